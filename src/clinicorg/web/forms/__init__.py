"""The web forms, one module per area. Forms parse and render; the actions validate."""
