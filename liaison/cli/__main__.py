"""``python -m liaison.cli``: the same command as the ``liaison`` script."""

from liaison.cli import main

main()
