"""Disclosure control: the small-number rules and everything that protects a table before it leaves the app."""
