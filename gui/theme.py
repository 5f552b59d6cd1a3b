"""The app's look: Qt's Fusion style with a light or a dark palette of our own, following the desktop's setting.

Fusion draws every widget from the palette, the same way on every platform, so one palette per scheme is enough
for the app to read well in both; the accent is the icon's blue. The desktop's choice (Qt's
`QStyleHints.colorScheme`: GNOME's and KDE's dark setting, Windows' and macOS' dark mode) is followed, also when
it changes while the app runs; where the desktop says nothing, the app is light. Colours that widgets need
beyond the palette (a success green, a warning amber) come from `accent()` so they are readable on both.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleHintReturn,
    QStyleOption,
    QWidget,
)

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


class Scheme(Enum):
    LIGHT = "light"
    DARK = "dark"


LIGHT = {
    Role.Window: "#f3f2ef", Role.WindowText: "#1d1d1b", Role.Base: "#ffffff", Role.AlternateBase: "#f0efeb",
    Role.Text: "#1d1d1b", Role.Button: "#e9e7e2", Role.ButtonText: "#1d1d1b", Role.BrightText: "#ffffff",
    Role.Highlight: "#2d5b8a", Role.HighlightedText: "#ffffff", Role.Link: "#1f5fa0", Role.LinkVisited: "#6a4a9c",
    Role.ToolTipBase: "#fffbe6", Role.ToolTipText: "#1d1d1b", Role.PlaceholderText: "#6e6e6a",
    Role.Light: "#ffffff", Role.Midlight: "#f5f4f1", Role.Mid: "#b9b6ae", Role.Dark: "#8c8982", Role.Shadow: "#5a5853",
    Role.Accent: "#2d5b8a",
}  # fmt: skip
DARK = {
    Role.Window: "#232427", Role.WindowText: "#e8e6e3", Role.Base: "#1a1b1d", Role.AlternateBase: "#222326",
    Role.Text: "#e8e6e3", Role.Button: "#2f3034", Role.ButtonText: "#e8e6e3", Role.BrightText: "#ffffff",
    Role.Highlight: "#3b70a8", Role.HighlightedText: "#ffffff", Role.Link: "#8cbcf0", Role.LinkVisited: "#c3a6ec",
    Role.ToolTipBase: "#2f3034", Role.ToolTipText: "#e8e6e3", Role.PlaceholderText: "#9a9893",
    Role.Light: "#3d3e42", Role.Midlight: "#34353a", Role.Mid: "#505157", Role.Dark: "#141517", Role.Shadow: "#000000",
    Role.Accent: "#3b70a8",
}  # fmt: skip
DISABLED = {Scheme.LIGHT: "#9a978f", Scheme.DARK: "#6f6e6a"}
ACCENTS = {
    Scheme.LIGHT: {"good": "#2e7d32", "warn": "#9a5b00", "bad": "#b3261e", "muted": "#6e6e6a"},
    Scheme.DARK: {"good": "#7fd18b", "warn": "#f0b85a", "bad": "#f28b82", "muted": "#a8a6a1"},
}

_current = Scheme.LIGHT


def palette_for(scheme: Scheme) -> QPalette:
    palette = QPalette()
    for role, colour in (DARK if scheme is Scheme.DARK else LIGHT).items():
        palette.setColor(role, QColor(colour))
    for role in (Role.Text, Role.WindowText, Role.ButtonText, Role.PlaceholderText):
        palette.setColor(Group.Disabled, role, QColor(DISABLED[scheme]))
    palette.setColor(Group.Disabled, Role.Highlight, palette.color(Role.Mid))
    return palette


def system_scheme(app: QGuiApplication) -> Scheme:
    return Scheme.DARK if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else Scheme.LIGHT


def current_scheme() -> Scheme:
    return _current


def accent(name: str) -> QColor:
    """A status colour readable on the current palette: "good", "warn", "bad" or "muted"."""
    return QColor(ACCENTS[_current][name])


BORDER_BASE = QColor("#74767d")  # a window colour whose darker(140), Fusion's outline, shows on the dark base
OUTLINED = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    QStyle.PrimitiveElement.PE_FrameLineEdit,
    QStyle.PrimitiveElement.PE_PanelLineEdit,
    QStyle.PrimitiveElement.PE_Frame,
)


class ThemedStyle(QProxyStyle):
    """Fusion, with outlines that show in the dark palette: Fusion draws the outline of check boxes, radio
    buttons and text fields a shade darker than the window colour, which on a dark base is invisible."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def styleHint(  # noqa: N802 - Qt's name
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        data: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0  # Fusion's dark-grey icons vanish on dark buttons; the words say it all
        return super().styleHint(hint, option, widget, data)

    def drawPrimitive(  # noqa: N802 - Qt's name
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if _current is not Scheme.DARK or element not in OUTLINED:
            super().drawPrimitive(element, option, painter, widget)
            return
        lifted = type(option)(option)  # a copy: the caller's option is never changed
        palette = QPalette(option.palette)
        palette.setColor(QPalette.ColorRole.Window, BORDER_BASE)
        lifted.palette = palette
        super().drawPrimitive(element, lifted, painter, widget)


def apply_theme(app: QApplication, scheme: Scheme | None = None) -> Scheme:
    """Fusion with the palette for `scheme` (default: the desktop's). Returns the scheme applied."""
    global _current
    chosen = scheme if scheme is not None else system_scheme(app)
    if not isinstance(app.style(), ThemedStyle):
        app.setStyle(ThemedStyle())
    _current = chosen
    app.setPalette(palette_for(chosen))
    return chosen


_following: set[int] = set()


def follow_system(app: QApplication) -> None:
    """Apply the desktop's scheme now and again whenever the desktop switches between light and dark."""
    apply_theme(app)
    if id(app) not in _following:
        _following.add(id(app))
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))


def contrast(foreground: QColor, background: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; 4.5 is the minimum for body text)."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
