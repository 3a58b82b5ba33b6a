# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin object QGIS creates: toolbar and menu entry, the dock, the Processing provider, dependencies."""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QPushButton

try:  # Qt 6 (QGIS 4) moved QAction to QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt 5
    from qgis.PyQt.QtWidgets import QAction

from .dependencies import InstallDialog, add_dependency_dir_to_path, missing_dependencies
from .i18n import install_translator, remove_translator, tr, tr_noop

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ICON_PATH = os.path.join(PLUGIN_DIR, "resources", "icon.svg")
MENU = tr_noop("&Spatiotemporal SSL")


class SpatiotemporalSSLPlugin:
    """Loads without torch: the dock and the label tools work, and a message offers to install the rest."""

    def __init__(self, iface):
        self.iface = iface
        self.action: Optional[QAction] = None
        self.dock = None
        self.provider = None
        self.missing: list = []
        install_translator()
        add_dependency_dir_to_path()

    # --- QGIS entry points -------------------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        from .processing.provider import SpatiotemporalSSLProvider

        if self.provider is None:
            self.provider = SpatiotemporalSSLProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        self.action = QAction(QIcon(ICON_PATH), tr("Spatiotemporal SSL"), self.iface.mainWindow())
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Label tiles and train a semi-supervised land-cover model"))
        self.action.toggled.connect(self.show_dock)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(tr(MENU), self.action)
        self.missing = missing_dependencies()
        if self.missing:
            self.notify_missing()

    def unload(self) -> None:
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginRasterMenu(tr(MENU), self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator()

    # --- the dock ---------------------------------------------------------------------------------------
    def ensure_dock(self):
        if self.dock is None:
            from .dock import SpatiotemporalSSLDock

            self.dock = SpatiotemporalSSLDock(self.iface.mapCanvas(), self.iface.messageBar(),
                                              missing_dependencies=lambda: self.missing,
                                              parent=self.iface.mainWindow())
            self.dock.dependenciesNeeded.connect(self.show_install_dialog)
            self.dock.visibilityChanged.connect(self._dock_visibility)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        return self.dock

    def show_dock(self, visible: bool = True) -> None:
        if visible:
            self.ensure_dock().show()
            self.dock.raise_()
        elif self.dock is not None:
            self.dock.hide()

    def _dock_visibility(self, visible: bool) -> None:
        if self.action is not None and self.action.isChecked() != visible:
            self.action.blockSignals(True)
            self.action.setChecked(visible)
            self.action.blockSignals(False)

    # --- dependencies -----------------------------------------------------------------------------------
    def notify_missing(self) -> None:
        names = ", ".join(status.requirement.distribution for status in self.missing)
        bar = self.iface.messageBar()
        widget = bar.createMessage(tr("Spatiotemporal SSL"),
                                   tr("Training needs Python packages that are not installed: {names}. "
                                      "Labelling works already.").format(names=names))
        button = QPushButton(tr("Install…"), widget)
        button.clicked.connect(self.show_install_dialog)
        widget.layout().addWidget(button)
        bar.pushWidget(widget, Qgis.MessageLevel.Warning, 0)

    def show_install_dialog(self) -> InstallDialog:
        self.missing = missing_dependencies()
        dialog = InstallDialog(self.missing, parent=self.iface.mainWindow())
        dialog.show()
        return dialog
