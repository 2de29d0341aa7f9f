"""`make bench`: load-test a local gunicorn on 127.0.0.1 with wrk, scenario by scenario."""
