"""Talking groups (ward community meetings): what changed after each ward's meetings began."""
