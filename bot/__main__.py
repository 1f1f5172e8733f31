"""`python -m bot`: the same program as the `depesha` console script."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
