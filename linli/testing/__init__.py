from django.conf import settings


def english(client):
    """The test client as a user who picked English with the language picker: pages
    speak Chinese unless the language cookie says otherwise (core.middleware)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def chinese(client):
    """The test client without a language choice: Chinese, the default."""
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    return client
