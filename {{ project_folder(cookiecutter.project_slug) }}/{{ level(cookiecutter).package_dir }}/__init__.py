"""The service's package; main.py holds the Flask app that Gunicorn serves."""
