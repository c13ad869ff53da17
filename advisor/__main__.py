"""``python -m advisor`` and the ``advisor`` console script.

``main`` imports the command line itself, so that Ctrl-C while its libraries load (a tenth of a
second) ends the run with status 130 and no traceback, as it does later (``advisor.cli.main``)."""

EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it (128 + SIGINT)


def main() -> None:
    """Run the command line."""
    try:
        from advisor.cli import main as run
    except KeyboardInterrupt:
        raise SystemExit(EXIT_INTERRUPTED) from None
    run()


if __name__ == "__main__":
    main()
