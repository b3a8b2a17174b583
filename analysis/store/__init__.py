"""The store: imported data kept in a database, with every import's history and roll back."""
