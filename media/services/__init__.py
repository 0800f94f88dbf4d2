"""Changes to a brand's paid media, one module per concern. Runs inside the brand's schema.

- ``budgets``: monthly budgets and the check that a proposal fits what is left.
- ``boosts``: proposing boosts and moving them through their states.
- ``creative``: the images and videos a boost carries, in order with alt text.
- ``results``: metric snapshots from integrators and the cap/pacing checks they trigger.
- ``alerts``: raising an alert once, with its signal and email.
- ``holds``: what a brand crisis does to boosts, and the stand-down.
- ``schedules``: starting and completing boosts on time, periodic pacing checks.
- ``settings``: the brand's pacing tolerance (spend sign-off is the approvals policy's).
"""
