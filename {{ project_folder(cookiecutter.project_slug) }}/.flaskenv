# Read by `flask run` (through python-dotenv, in the dev group), never by the image
FLASK_APP={{ cookiecutter.package_name }}.main
FLASK_RUN_PORT=8000
