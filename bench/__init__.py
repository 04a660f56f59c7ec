"""``make bench``: the project's performance measurements (see ``bench/run.py``)."""
