"""Cases: the serious incident, the Panel notification, the rapid review and the Panel's response."""
