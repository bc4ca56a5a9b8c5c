"""HTTP handlers, one module per resource; each exposes `routes`."""
