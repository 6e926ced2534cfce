"""Case documents: files of an incident or a review, their versions, comments and sign-offs."""
