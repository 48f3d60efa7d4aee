"""The HTTP edge: one blueprint per resource."""
