"""OCR: turns stored evidence into per-page text (text layer first, Tesseract where needed)."""
