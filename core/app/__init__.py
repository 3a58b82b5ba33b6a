"""What users run: training from rasters, prediction, model files, outputs, patch-set evaluation, the demo."""
