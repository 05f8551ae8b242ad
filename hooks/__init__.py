"""Plain-Python checks that Jinja cannot express: answers and rendered projects."""
