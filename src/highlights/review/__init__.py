"""`highlights review`: the local review web app, its decisions in SQLite, and their export to the
next dataset version and annotations.

Nothing is imported here: the modules load FastAPI, uvicorn and SQLite only where they are used.
"""
