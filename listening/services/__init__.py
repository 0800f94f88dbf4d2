"""Changes in the listening app, one module per concern: signal batches (``signals``),
segments' active hours (``segments``) and triggers (``triggers``). Import the module you
need (``from listening.services import triggers``)."""
