from django.apps import AppConfig


class AttentionConfig(AppConfig):
    name = "tenants.attention"
    label = "attention"
    verbose_name = "Attention rollup (all brands)"
