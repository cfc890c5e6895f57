"""A child process that reads its request and never answers: a parser stuck on a file (`python -m
tests.faults.stuck_child`)."""

import sys
import time

sys.stdin.buffer.read()
time.sleep(600)
