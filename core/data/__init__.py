"""Reading and tiling the inputs: rasters, dates, locations, labels, band statistics."""
