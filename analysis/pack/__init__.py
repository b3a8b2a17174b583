"""The steering group pack: its sections, protection, checks and the HTML, PDF, PowerPoint and Excel renderings."""
