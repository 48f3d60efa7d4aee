from notifier.startup import settings_or_exit

settings_or_exit()  # one line naming a bad setting, before anything counts or connects

from notifier.app import create_app  # noqa: E402  (after the metrics directory is chosen)

app = create_app()
