from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    # Internal notes on drafts and boosts, with @mentions that notify: the agency's own
    # discussion, never shown to client roles (they see decision comments in approvals).
    # Above media: a note names a draft (content) or a boost (media).
    name = "discussion"
    verbose_name = "Internal notes"
