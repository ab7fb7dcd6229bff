"""Member and org-tree screens in the Wagtail admin (registers its own hooks)."""
