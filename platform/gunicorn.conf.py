# Gunicorn settings for the web process. Values come from the environment so that the same file
# serves a laptop and a production host; see platform/DEPLOY.md.
import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Writes magic sign-in link paths without their token (see brandroom/redaction.py).
logger_class = "brandroom.redaction.GunicornLogger"
