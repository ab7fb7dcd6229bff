"""Models arrive with this app's issue; the app is installed so migrations and URLs are wired."""
