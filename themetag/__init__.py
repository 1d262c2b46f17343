"""themetag: tag segments of Chinese education work reports with policy themes."""
