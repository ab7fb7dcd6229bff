"""Member import screens in the Wagtail admin (registers its own hooks)."""
