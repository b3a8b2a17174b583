"""The product's questions, each as models, tidy tables and sentences: co-production, assaults, recovery, talking groups."""
