from sessionkit.cli import run

run()
