"""gunicorn settings of the Authlib peer: none of the platform's (its gunicorn.conf.py would be
read from the working directory otherwise); workers and bind come from the command line."""

loglevel = "warning"
