"""Letters and lists for acting on confirmed matches (reservation notice, LAION request, Spawning list, OpenAI
checklist, notices to hosts), rendered from editable Jinja2 templates."""

from core.letters.render import GeneratedFile, render_letters, user_templates_dir

__all__ = ["GeneratedFile", "render_letters", "user_templates_dir"]
