"""Property-based checks: hypothesis strategies for Entra-shaped data and their runner."""
