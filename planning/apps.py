from django.apps import AppConfig


class PlanningConfig(AppConfig):
    # The rolling 12-month plan: content pillars, cadence per channel, campaigns and calendar
    # events, plan items, and the monthly roll that keeps the plan twelve months ahead.
    # Layer 6 above results: it reads content (channels); no lower app knows it exists.
    name = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from content.assistant.learnings import register_source
        from content.scheduling import register_publish_time_source
        from listening.extensions import (
            register_calendar,
            register_kpi_reader,
            register_plan_item_writer,
        )
        from planning import receivers, trigger_sources
        from planning.models import Pillar
        from planning.selectors.plan import learning_texts
        from planning.selectors.publish_times import publish_advice
        from planning.services.items import add_triggered_item

        receivers.connect()
        # Proposals a model words are paid from the brand's AI budget, like drafts.
        from planning.services.proposals import register_spend

        register_spend()
        # The assistant reads the brand's learnings without knowing planning exists.
        register_source("planning", learning_texts)
        # New drafts go out at their plan item's time, or their audience's next active hour.
        register_publish_time_source(
            lambda brief_id, audience_id, now: publish_advice(
                brief_id=brief_id, audience_id=audience_id, now=now
            )
        )
        # A listening trigger may put an item on the plan without listening knowing planning.
        register_plan_item_writer(
            lambda request: add_triggered_item(request=request),
            lambda pillar_id: Pillar.objects.filter(pk=pillar_id).exists(),
        )
        # Calendar triggers watch the plan's events; KPI triggers read results' KPIs (results
        # and listening are siblings that may not import each other; planning sits above both).
        register_calendar(trigger_sources.calendar_between, trigger_sources.event_exists)
        register_kpi_reader(trigger_sources.kpi_reading)
