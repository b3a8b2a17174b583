"""The command line, `python -m analysis COMMAND`: every answer the app gives, reproducible from a script."""
