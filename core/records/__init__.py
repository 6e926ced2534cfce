"""Records: legal holds, retention, and a partnership's export and import."""
