"""Portal: the web front end, calling the other services with the signed-in user's own token."""
