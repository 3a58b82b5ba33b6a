<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
    <context>
        <name>SpatiotemporalSSL</name>
        <message>
            <location filename="../core/data/grid.py" />
            <source>tile size {size} px is larger than raster '{name}' ({w} x {h} px); lower the tile size</source>
            <translation>Kachelgröße {size} px ist größer als Raster „{name}“ ({w} x {h} px); verringern Sie die Kachelgröße</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Method</source>
            <translation>Methode</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The semi-supervised algorithm that learns from unlabelled tiles</source>
            <translation>Der teilüberwachte Algorithmus, der aus ungelabelten Kacheln lernt</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Supervised only (no unlabelled tiles)</source>
            <translation>Nur überwacht (ohne ungelabelte Kacheln)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>FixMatch</source>
            <translation>FixMatch</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>FreeMatch</source>
            <translation>FreeMatch</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>SoftMatch</source>
            <translation>SoftMatch</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Quick map (pretrained Presto, head only)</source>
            <translation>Schnellkarte (vortrainiertes Presto, nur der Kopf)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>A linear probe on the frozen pretrained Presto embedding: only the class head trains, on the labelled tiles; needs the Presto backbone</source>
            <translation>Eine lineare Sonde auf der eingefrorenen vortrainierten Presto-Einbettung: nur der Klassenkopf lernt, auf den beschrifteten Kacheln; braucht das Presto-Backbone</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata</source>
            <translation>Metadaten</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How each tile's location and acquisition date are used</source>
            <translation>Wie Ort und Aufnahmedatum jeder Kachel genutzt werden</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>No metadata (pixels only)</source>
            <translation>Keine Metadaten (nur Pixel)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata as network input (baseline)</source>
            <translation>Metadaten als Netzeingabe (Vergleichsverfahren)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The network reads location and date, so it needs them to classify</source>
            <translation>Das Netz liest Ort und Datum und braucht sie daher zum Klassifizieren</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata teacher (location and date)</source>
            <translation>Metadaten-Lehrer (Ort und Datum)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>A teacher network sees each tile's location and acquisition date and guides the student, which sees pixels only and is the model that is saved.</source>
            <translation>Ein Lehrer-Netz sieht Ort und Aufnahmedatum jeder Kachel und leitet den Schüler an, der nur Pixel sieht und das Modell ist, das gespeichert wird.</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata encoding</source>
            <translation>Kodierung der Metadaten</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How location and date become the metadata network's input features</source>
            <translation>Wie Ort und Datum zu den Eingabemerkmalen des Metadaten-Netzes werden</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>As in the paper (lat, lon, day of year)</source>
            <translation>Wie im Paper (Breite, Länge, Tag des Jahres)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Spherical harmonics + season</source>
            <translation>Kugelflächenfunktionen + Jahreszeit</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Season, aligned across hemispheres</source>
            <translation>Jahreszeit, über die Hemisphären angeglichen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Spherical-harmonic degree</source>
            <translation>Grad der Kugelflächenfunktionen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Highest degree L of the 'sphere' encoding</source>
            <translation>Höchster Grad L der Kodierung 'sphere'</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The network that reads the pixels</source>
            <translation>Das Netz, das die Pixel liest</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>CNN (fast on a CPU)</source>
            <translation>CNN (schnell auf einer CPU)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>ViT (as in the paper; best on a GPU)</source>
            <translation>ViT (wie im Paper; am besten auf einer GPU)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Presto (pretrained, time series)</source>
            <translation>Presto (vortrainiert, Zeitreihen)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The pretrained Presto encoder on every pixel's series; needs the bands' roles</source>
            <translation>Der vortrainierte Presto-Encoder auf der Zeitreihe jedes Pixels; braucht die Rollen der Bänder</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Auto (Presto or CNN, from the input)</source>
            <translation>Automatisch (Presto oder CNN, nach der Eingabe)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Presto where the input is a series of 6 or more timesteps whose bands it can read (near infrared or NDVI among them, reflectance values), with the Presto weights (and, on a CPU, small tiles); the CNN otherwise. The report says which was used and why.</source>
            <translation>Presto, wenn die Eingabe eine Zeitreihe mit mindestens 6 Zeitschritten ist, deren Bänder es lesen kann (darunter Nahinfrarot oder NDVI, Reflexionswerte), mit den Presto-Gewichten (und auf einer CPU kleinen Kacheln); sonst das CNN. Der Bericht nennt, welches verwendet wurde und warum.</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Network size</source>
            <translation>Netzgröße</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How large the networks are</source>
            <translation>Wie groß die Netze sind</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Auto (small on a GPU, tiny on a CPU)</source>
            <translation>Automatisch (small auf einer GPU, tiny auf einer CPU)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Tiny</source>
            <translation>Winzig (tiny)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Small (ViT-S)</source>
            <translation>Klein (ViT-S)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Tile size</source>
            <translation>Kachelgröße</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Edge of a tile in raster pixels; one label per tile</source>
            <translation>Kantenlänge einer Kachel in Rasterpixeln; ein Label je Kachel</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Training tile stride</source>
            <translation>Schrittweite der Trainingskacheln</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Pixels between the origins of training tiles (default: the tile size, no overlap)</source>
            <translation>Pixel zwischen den Ursprüngen der Trainingskacheln (Standard: die Kachelgröße, ohne Überlappung)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Training steps</source>
            <translation>Trainingsschritte</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Optimisation steps</source>
            <translation>Optimierungsschritte</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Batch size</source>
            <translation>Batchgröße</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Labelled tiles per step</source>
            <translation>Gelabelte Kacheln pro Schritt</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Unlabelled tiles per labelled tile</source>
            <translation>Ungelabelte Kacheln pro gelabelter Kachel</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Unlabelled tiles in a step for each labelled tile</source>
            <translation>Ungelabelte Kacheln in einem Schritt für jede gelabelte Kachel</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Learning rate</source>
            <translation>Lernrate</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>AdamW learning rate (cosine schedule)</source>
            <translation>Lernrate von AdamW (Kosinus-Verlauf)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Weight decay</source>
            <translation>Weight Decay</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>AdamW weight decay</source>
            <translation>Weight Decay von AdamW</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>EMA momentum</source>
            <translation>EMA-Momentum</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Momentum of the moving average of the weights, which is the model that is saved</source>
            <translation>Momentum des gleitenden Mittels der Gewichte, das als Modell gespeichert wird</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Confidence threshold</source>
            <translation>Konfidenzschwelle</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Pseudo-labels less confident than this are ignored (FixMatch)</source>
            <translation>Pseudolabels mit geringerer Konfidenz werden ignoriert (FixMatch)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Unlabelled loss weight</source>
            <translation>Gewicht des ungelabelten Verlusts</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Weight of the loss on pseudo-labels</source>
            <translation>Gewicht des Verlusts auf den Pseudolabels</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Steps with unlabelled tiles</source>
            <translation>Schritte mit ungelabelten Kacheln</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The first steps learn from the unlabelled tiles as well, the steps after them from the labels alone, so a longer run ends closer to the labels (unset: every step with the CNN or the ViT, the first 500 with the automatic Presto backbone)</source>
            <translation>Die ersten Schritte lernen auch aus den ungelabelten Kacheln, die Schritte danach nur aus den Labels, so dass ein längerer Lauf näher an den Labels endet (leer: jeder Schritt mit dem CNN oder dem ViT, die ersten 500 mit dem automatisch gewählten Presto-Backbone)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Distillation weight</source>
            <translation>Gewicht der Destillation</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Weight of the loss that pulls the student towards the teacher</source>
            <translation>Gewicht des Verlusts, der den Schüler zum Lehrer hin zieht</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Distillation loss</source>
            <translation>Destillationsverlust</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How the student's output is compared with the teacher's</source>
            <translation>Wie die Ausgabe des Schülers mit der des Lehrers verglichen wird</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Mean squared error</source>
            <translation>Mittlerer quadratischer Fehler</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Mean absolute error</source>
            <translation>Mittlerer absoluter Fehler</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Cosine distance</source>
            <translation>Kosinus-Abstand</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>None (no distillation)</source>
            <translation>Keiner (keine Destillation)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Student's pseudo-labels</source>
            <translation>Pseudo-Labels des Schülers</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Which of the teacher's confident pseudo-labels the pixel-only student learns from</source>
            <translation>Von welchen sicheren Pseudo-Labels des Lehrers der Schüler lernt, der nur Pixel sieht</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Those the student's own prediction agrees with</source>
            <translation>Die, mit denen die eigene Vorhersage des Schülers übereinstimmt</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>A tile whose teacher pseudo-label differs from the student's own prediction of its weak view is left out of the student's loss, so a teacher that reads location and date wrongly cannot pull the student after it</source>
            <translation>Eine Kachel, deren Pseudo-Label vom Lehrer von der eigenen Vorhersage des Schülers für ihre schwache Ansicht abweicht, bleibt aus dem Verlust des Schülers heraus; so kann ein Lehrer, der Ort und Datum falsch deutet, den Schüler nicht mitziehen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>All of them (as in the paper)</source>
            <translation>Alle (wie im Artikel)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata dropout</source>
            <translation>Metadaten-Dropout</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Probability of hiding a tile's location or date from the metadata network</source>
            <translation>Wahrscheinlichkeit, mit der Ort oder Datum einer Kachel vor dem Metadaten-Netz verborgen werden</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Metadata warm-up steps</source>
            <translation>Aufwärmschritte ohne Metadaten</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Steps at the start in which the metadata network sees no metadata</source>
            <translation>Schritte zu Beginn, in denen das Metadaten-Netz keine Metadaten sieht</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Multi-label</source>
            <translation>Mehrfachlabel</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Mark every class present in a tile, not only the one that covers most of it</source>
            <translation>Jede Klasse markieren, die in einer Kachel vorkommt, nicht nur die, die den größten Teil bedeckt</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Validation fraction</source>
            <translation>Validierungsanteil</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Fraction of the labelled tiles held out to choose the best checkpoint</source>
            <translation>Anteil der gelabelten Kacheln, der zurückgehalten wird, um den besten Zwischenstand zu wählen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Validate every</source>
            <translation>Validieren alle</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Steps between validations</source>
            <translation>Schritte zwischen zwei Validierungen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Early-stopping patience</source>
            <translation>Geduld für vorzeitiges Beenden</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Stop after this many steps without a better validation accuracy (unset or 0: never)</source>
            <translation>Nach so vielen Schritten ohne bessere Validierungsgenauigkeit beenden (leer oder 0: nie)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Checkpoint every</source>
            <translation>Zwischenstand alle</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Also write the model file every this many steps, so a stopped run can be resumed (0: only at the end)</source>
            <translation>Die Modelldatei zusätzlich alle so vielen Schritte schreiben, damit ein abgebrochener Lauf fortgesetzt werden kann (0: nur am Ende)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Random seed: the same seed and inputs train the same model</source>
            <translation>Zufalls-Seed: Gleicher Seed und gleiche Eingaben trainieren dasselbe Modell</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Device</source>
            <translation>Gerät</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Where the networks run: auto (CUDA if available), cpu, cuda or cuda:N; a CUDA GPU is many times faster than a CPU</source>
            <translation>Wo die Netze laufen: auto (CUDA, falls verfügbar), cpu, cuda oder cuda:N; eine CUDA-GPU ist um ein Vielfaches schneller als eine CPU</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Mixed precision</source>
            <translation>Gemischte Genauigkeit</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Mixed precision on CUDA (faster, less memory)</source>
            <translation>Gemischte Genauigkeit auf CUDA (schneller, weniger Speicher)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Initial weights</source>
            <translation>Anfangsgewichte</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>A local weights file to start from (no downloads)</source>
            <translation>Eine lokale Gewichtsdatei als Ausgangspunkt (keine Downloads)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Presto weights</source>
            <translation>Presto-Gewichte</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The Presto weights file default_model.pt (default: $STSSL_PRESTO_WEIGHTS; in QGIS also the folder that Download... saves to)</source>
            <translation>Die Presto-Gewichtsdatei default_model.pt (Standard: $STSSL_PRESTO_WEIGHTS; in QGIS auch der Ordner, in den „Herunterladen…“ speichert)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Band roles</source>
            <translation>Rollen der Bänder</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Roles of the bands of one timestep, e.g. '1=B2,2=B3,3=B4,4=B8' (default: from the band names)</source>
            <translation>Rollen der Bänder eines Zeitschritts, z. B. '1=B2,2=B3,3=B4,4=B8' (Standard: aus den Bandnamen)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Sensor</source>
            <translation>Sensor</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>The sensor, where band names depend on it (Landsat SR_B*); default: from the names</source>
            <translation>Der Sensor, wo die Bandnamen von ihm abhängen (Landsat SR_B*); Standard: aus den Namen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Reflectance scaling</source>
            <translation>Skalierung der Reflexion</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How the optical bands' values become reflectance</source>
            <translation>Wie die Werte der optischen Bänder zu Reflexion werden</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Detect from the values</source>
            <translation>Aus den Werten erkennen</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Reflectance (0-1)</source>
            <translation>Reflexion (0-1)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Digital numbers / 10000</source>
            <translation>Digitale Werte / 10000</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Landsat Collection 2 (x 0.0000275 - 0.2)</source>
            <translation>Landsat Collection 2 (x 0,0000275 - 0,2)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Presto student view</source>
            <translation>Sicht des Presto-Schülers</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How the pixel-only Presto student fills Presto's location and month inputs</source>
            <translation>Wie der Presto-Schüler, der nur Pixel sieht, die Orts- und Monatseingaben von Presto füllt</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Constant month, no location token</source>
            <translation>Konstanter Monat, kein Orts-Token</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>A learned token (as in the paper)</source>
            <translation>Ein gelerntes Token (wie im Artikel)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Encoder learning rate</source>
            <translation>Lernrate des Encoders</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Learning rate of the pretrained encoder (default: the learning rate x 0.1)</source>
            <translation>Lernrate des vortrainierten Encoders (Standard: die Lernrate x 0,1)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Encoder anchor</source>
            <translation>Verankerung des Encoders</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How strongly the pretrained encoder is pulled back towards its pretrained weights at every step (0: not at all)</source>
            <translation>Wie stark der vortrainierte Encoder bei jedem Schritt zu seinen vortrainierten Gewichten zurückgezogen wird (0: gar nicht)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Temporal pooling</source>
            <translation>Zeitliche Zusammenfassung</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Consecutive timesteps averaged into one Presto step (0: enough for at most 12 steps)</source>
            <translation>Aufeinanderfolgende Zeitschritte, gemittelt zu einem Presto-Schritt (0: so viele, dass höchstens 12 Schritte bleiben)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>How the CNN scales each raster's bands before reading them</source>
            <translation>Wie das CNN die Kanäle jedes Rasters skaliert, bevor es sie liest</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Auto (each raster by its own statistics for single dates)</source>
            <translation>Automatisch (bei Einzelaufnahmen jedes Raster nach eigener Statistik)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Each raster scaled by its own statistics where the input is single-date rasters read by the CNN; one scale from the training rasters for Presto and time series. The report says which was used and why.</source>
            <translation>Jedes Raster nach seiner eigenen Statistik skaliert, wenn die Eingabe Einzelaufnahmen sind, die das CNN liest; eine Skala aus den Trainingsrastern für Presto und Zeitreihen. Der Bericht nennt, was verwendet wurde und warum.</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>One scale from the training rasters</source>
            <translation>Eine Skala aus den Trainingsrastern</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Every raster is scaled with the training rasters' statistics: the network reads absolute values</source>
            <translation>Jedes Raster wird mit der Statistik der Trainingsraster skaliert: das Netz liest absolute Werte</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Each raster by its own statistics</source>
            <translation>Jedes Raster nach eigener Statistik</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Each raster (in a patch set: each date) is centred and scaled by its own band statistics, so a map of another season reads how a tile differs from its scene; assumes the rasters hold a similar mix of classes. CNN and ViT only</source>
            <translation>Jedes Raster (in einem Patch-Satz: jedes Datum) wird mit seiner eigenen Kanalstatistik zentriert und skaliert, sodass eine Karte einer anderen Jahreszeit liest, wie sich eine Kachel von ihrer Szene unterscheidet; setzt eine ähnliche Klassenmischung in den Rastern voraus. Nur CNN und ViT</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>Output resolution</source>
            <translation>Ausgabeauflösung</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>One class per input pixel, or one per stride cell (smaller files, same model work)</source>
            <translation>Eine Klasse pro Eingabepixel oder eine pro Schrittweiten-Zelle (kleinere Dateien, gleicher Rechenaufwand)</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>one value per pixel</source>
            <translation>ein Wert je Pixel</translation>
        </message>
        <message>
            <location filename="../core/params.py" />
            <source>one value per stride (faster)</source>
            <translation>ein Wert je Schrittweite (schneller)</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>The classified raster to assess (integer class codes)</source>
            <translation>Das zu bewertende klassifizierte Raster (ganzzahlige Klassencodes)</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Independent reference points or polygons (any CRS), e.g. a labelled validation sample</source>
            <translation>Unabhängige Referenzpunkte oder -polygone (beliebiges KBS), z. B. eine gelabelte Validierungsstichprobe</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>The attribute with each reference feature's class (code or name)</source>
            <translation>Das Attribut mit der Klasse jedes Referenzobjekts (Code oder Name)</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>optional: forest=1, water=2</source>
            <translation>optional: Wald=1, Wasser=2</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Map class names used in the reference to the map's codes; the map's own class names are known without it</source>
            <translation>Ordnet Klassennamen der Referenz den Codes der Karte zu; die eigenen Klassennamen der Karte sind auch ohne dies bekannt</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>CSV files (*.csv)</source>
            <translation>CSV-Dateien (*.csv)</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Empty: a new file beside the map</source>
            <translation>Leer: eine neue Datei neben der Karte</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>HTML files (*.html)</source>
            <translation>HTML-Dateien (*.html)</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Assess accuracy</source>
            <translation>Genauigkeit bewerten</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Stratified estimates after Olofsson et al. (2014).</source>
            <translation>Stratifizierte Schätzungen nach Olofsson et al. (2014).</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>The key figures appear here.</source>
            <translation>Die wichtigsten Kennzahlen erscheinen hier.</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Map</source>
            <translation>Karte</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Reference</source>
            <translation>Referenz</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Class field</source>
            <translation>Klassenfeld</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Class names</source>
            <translation>Klassennamen</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>CSV report</source>
            <translation>CSV-Bericht</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>HTML report</source>
            <translation>HTML-Bericht</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Choose the classified map (a raster file) to assess.</source>
            <translation>Wählen Sie die zu bewertende klassifizierte Karte (eine Rasterdatei).</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Choose the reference layer (points or polygons with a class field).</source>
            <translation>Wählen Sie den Referenzlayer (Punkte oder Polygone mit einem Klassenfeld).</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Reference layer '{name}' is not a file; save it as a GeoPackage first (Export &gt; Save Features As).</source>
            <translation>Referenzlayer '{name}' ist keine Datei; speichern Sie ihn zuerst als GeoPackage (Exportieren &gt; Objekte speichern als).</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Reference layer '{name}' has unsaved edits; save them first.</source>
            <translation>Referenzlayer '{name}' hat ungespeicherte Änderungen; speichern Sie diese zuerst.</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Choose the class field of reference layer '{name}'.</source>
            <translation>Wählen Sie das Klassenfeld des Referenzlayers '{name}'.</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Report '{name}' exists; choose another name, or clear the field to get a new file beside the map.</source>
            <translation>Bericht '{name}' existiert bereits; wählen Sie einen anderen Namen oder leeren Sie das Feld, um eine neue Datei neben der Karte zu erhalten.</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Assessing…</source>
            <translation>Bewertung läuft…</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>the background job ended without a result</source>
            <translation>der Hintergrundauftrag endete ohne Ergebnis</translation>
        </message>
        <message>
            <location filename="../plugin/assess_panel.py" />
            <source>Done. Reports: {html}, {csv}</source>
            <translation>Fertig. Berichte: {html}, {csv}</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>unused</source>
            <translation>ungenutzt</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>The Presto channel this band feeds</source>
            <translation>Der Presto-Kanal, den dieser Kanal speist</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Band</source>
            <translation>Kanal</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Role</source>
            <translation>Rolle</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Source</source>
            <translation>Herkunft</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>YYYY-MM-DD, … (one per timestep)</source>
            <translation>JJJJ-MM-TT, … (eines je Zeitschritt)</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>The date of every timestep, where the band descriptions do not hold them; used for every ticked raster whose bands have no dates</source>
            <translation>Das Datum jedes Zeitschritts, wo die Kanalbeschreibungen es nicht enthalten; gilt für jedes angehakte Raster, dessen Kanäle keine Daten tragen</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>From the band names</source>
            <translation>Aus den Kanalnamen</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Timestep dates</source>
            <translation>Daten der Zeitschritte</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>The engine's Python packages are missing; install them to read the bands.</source>
            <translation>Die Python-Pakete der Engine fehlen; installieren Sie sie, um die Kanäle zu lesen.</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Tick a training raster in Imagery to see its bands.</source>
            <translation>Haken Sie unter Bilddaten ein Trainingsraster an, um seine Kanäle zu sehen.</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Raster '{name}':</source>
            <translation>Raster '{name}':</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>dates from the band descriptions</source>
            <translation>Daten aus den Kanalbeschreibungen</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>dates given here</source>
            <translation>hier angegebene Daten</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>no dates: give them below</source>
            <translation>keine Daten: unten angeben</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>one date ({source})</source>
            <translation>ein Datum ({source})</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Raster '{name}': {steps} timestep(s) of {bands} band(s); {when}{span}</source>
            <translation>Raster '{name}': {steps} Zeitschritt(e) mit {bands} Kanal/Kanälen; {when}{span}</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Band {n} of each timestep: {name}</source>
            <translation>Kanal {n} jedes Zeitschritts: {name}</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>set by you</source>
            <translation>von Ihnen gesetzt</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>unknown</source>
            <translation>unbekannt</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>detected</source>
            <translation>erkannt</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Presto cannot train until they are set (the CNN backbone needs no roles).</source>
            <translation>Presto kann erst trainieren, wenn sie gesetzt sind (das CNN-Backbone braucht keine Rollen).</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Training uses the CNN unless they are set.</source>
            <translation>Solange sie nicht gesetzt sind, trainiert das CNN.</translation>
        </message>
        <message>
            <location filename="../plugin/band_roles_panel.py" />
            <source>Unknown role: band {bands}. {then}</source>
            <translation>Unbekannte Rolle: Kanal {bands}. {then}</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>training and prediction (PyTorch)</source>
            <translation>Training und Vorhersage (PyTorch)</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>reading and writing rasters</source>
            <translation>Lesen und Schreiben von Rastern</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>tile locations in WGS84</source>
            <translation>Kachelpositionen in WGS84</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>label polygons</source>
            <translation>Label-Polygone</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>reading vector label files</source>
            <translation>Lesen von Vektor-Labeldateien</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>{name} is missing (needed for {purpose})</source>
            <translation>{name} fehlt (benötigt für {purpose})</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>{name} {found} is too old; {minimum} or newer is needed</source>
            <translation>{name} {found} ist zu alt; {minimum} oder neuer wird benötigt</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>{name} {found}</source>
            <translation>{name} {found}</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Spatiotemporal SSL: missing Python packages</source>
            <translation>Spatiotemporal SSL: fehlende Python-Pakete</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>NVIDIA GPU found ({name}): the CUDA build of PyTorch will be installed.</source>
            <translation>NVIDIA-GPU gefunden ({name}): Die CUDA-Version von PyTorch wird installiert.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>No NVIDIA GPU found: the CPU build of PyTorch will be installed.</source>
            <translation>Keine NVIDIA-GPU gefunden: Die CPU-Version von PyTorch wird installiert.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Training and prediction need these Python packages:</source>
            <translation>Training und Vorhersage benötigen diese Python-Pakete:</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>They will be installed with pip into {folder}, which only this plugin uses. Labelling works without them.</source>
            <translation>Sie werden mit pip in {folder} installiert, einen Ordner, den nur dieses Plugin nutzt. Das Labeln funktioniert auch ohne sie.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Commands that will run:</source>
            <translation>Diese Befehle werden ausgeführt:</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Install</source>
            <translation>Installieren</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>QGIS's Python has no pip, so nothing can be installed. On Debian or Ubuntu install it with: sudo apt install python3-pip; then open this dialog again.</source>
            <translation>QGIS' Python hat kein pip, daher kann nichts installiert werden. Unter Debian oder Ubuntu installieren Sie es mit: sudo apt install python3-pip; danach öffnen Sie diesen Dialog erneut.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Could not start {program}.</source>
            <translation>{program} konnte nicht gestartet werden.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Removed {names} from the folder: QGIS's own copy is used.</source>
            <translation>{names} aus dem Ordner entfernt: QGIS' eigene Kopie wird verwendet.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Installed. Please restart QGIS so that the new packages are loaded.</source>
            <translation>Installiert. Bitte QGIS neu starten, damit die neuen Pakete geladen werden.</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies.py" />
            <source>Installation failed; the log above says why. Nothing else was changed.</source>
            <translation>Die Installation ist fehlgeschlagen; das Protokoll oben nennt den Grund. Sonst wurde nichts verändert.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Spatiotemporal SSL</source>
            <translation>Spatiotemporal SSL</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Imagery</source>
            <translation>Bilddaten</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Classes</source>
            <translation>Klassen</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Labelling</source>
            <translation>Labeln</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Training options</source>
            <translation>Trainingsoptionen</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Train</source>
            <translation>Training</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Accuracy assessment</source>
            <translation>Genauigkeitsbewertung</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>No raster is ticked in the Imagery list; tick at least one raster to train on.</source>
            <translation>In der Liste „Bilddaten“ ist kein Raster angehakt; haken Sie mindestens ein Raster zum Trainieren an.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>raster '{name}' is not a file; save it as GeoTIFF (Export &gt; Save As) and use that copy</source>
            <translation>Raster „{name}“ ist keine Datei; speichern Sie es als GeoTIFF (Exportieren &gt; Speichern als) und verwenden Sie diese Kopie</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>raster '{name}' has no CRS, so tile locations are unknown; set one in Layer Properties &gt; Source</source>
            <translation>Raster „{name}“ hat kein KBS, daher sind die Kachelpositionen unbekannt; legen Sie eines unter Layereigenschaften &gt; Quelle fest</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>No label layer: in Labelling, click New… (or Label tiles) and label some tiles.</source>
            <translation>Kein Label-Layer: Klicken Sie unter „Labeln“ auf „Neu…“ (oder „Kacheln labeln“) und labeln Sie einige Kacheln.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Choose the class field of label layer '{name}'.</source>
            <translation>Wählen Sie das Klassenfeld des Label-Layers „{name}“.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>The edits of label layer '{name}' could not be saved: {errors}</source>
            <translation>Die Änderungen am Label-Layer „{name}“ konnten nicht gespeichert werden: {errors}</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>{n} labels in '{name}' have a class that is not in the Classes list; add the class or fix the labels.</source>
            <translation>{n} Labels in „{name}“ haben eine Klasse, die nicht in der Klassenliste steht; fügen Sie die Klasse hinzu oder korrigieren Sie die Labels.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>No labelled tiles yet: choose a class, then click tiles with Label tiles.</source>
            <translation>Noch keine gelabelten Kacheln: Wählen Sie eine Klasse und klicken Sie dann mit „Kacheln labeln“ auf Kacheln.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Only one class ('{name}') has labelled tiles; label tiles of at least two classes so the model has something to tell apart.</source>
            <translation>Nur eine Klasse („{name}“) hat gelabelte Kacheln; labeln Sie Kacheln von mindestens zwei Klassen, damit das Modell etwas zu unterscheiden hat.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>label layer '{name}' is not a file; save it as GeoPackage and use that copy</source>
            <translation>Label-Layer „{name}“ ist keine Datei; speichern Sie ihn als GeoPackage und verwenden Sie diese Kopie</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>cannot create output folder '{folder}' ({error}); choose another one in Training options</source>
            <translation>Ausgabeordner „{folder}“ kann nicht angelegt werden ({error}); wählen Sie unter „Trainingsoptionen“ einen anderen</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Series of {n} dates</source>
            <translation>Zeitreihe aus {n} Aufnahmen</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Training needs Python packages that are missing: {names}.</source>
            <translation>Für das Training fehlen Python-Pakete: {names}.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Choose a model file to predict with (Train writes one).</source>
            <translation>Wählen Sie eine Modelldatei für die Vorhersage („Training“ schreibt eine).</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>Choose the raster to classify.</source>
            <translation>Wählen Sie das zu klassifizierende Raster.</translation>
        </message>
        <message>
            <location filename="../plugin/dock.py" />
            <source>raster '{name}' is not a file; save it as GeoTIFF and use that copy</source>
            <translation>Raster „{name}“ ist keine Datei; speichern Sie es als GeoTIFF und verwenden Sie diese Kopie</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>no CRS</source>
            <translation>kein KBS</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>not a file</source>
            <translation>keine Datei</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>not detected (engine not installed)</source>
            <translation>nicht ermittelt (Engine nicht installiert)</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Raster</source>
            <translation>Raster</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>CRS</source>
            <translation>KBS</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Date</source>
            <translation>Datum</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Date from</source>
            <translation>Datum aus</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Acquisition date</source>
            <translation>Aufnahmedatum</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Tick the rasters to train on. The selected row is the raster whose tiles you label. Double-click a date to correct it; 'unknown' is allowed.</source>
            <translation>Haken Sie die Raster zum Trainieren an. Die ausgewählte Zeile ist das Raster, dessen Kacheln Sie labeln. Doppelklicken Sie auf ein Datum, um es zu korrigieren; „unknown“ (unbekannt) ist erlaubt.</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Dates of one place</source>
            <translation>Aufnahmen eines Ortes</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>For the Presto backbone: the ticked single-date rasters (one grid, the same bands) are stacked into one time series per pixel, in date order, each dated by its date here; a date without data at a pixel (clouds, nodata) is masked there.</source>
            <translation>Für das Presto-Backbone: Die angehakten Einzelaufnahmen (ein Gitter, dieselben Bänder) werden nach Datum geordnet zu einer Zeitreihe je Pixel gestapelt, jede mit ihrem Datum hier; ein Datum ohne Daten an einem Pixel (Wolken, NoData) wird dort maskiert.</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Only file rasters (GeoTIFF, JP2, VRT, ...) can be used for training.</source>
            <translation>Nur Raster aus Dateien (GeoTIFF, JP2, VRT, …) können zum Training verwendet werden.</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>entered</source>
            <translation>eingegeben</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>YYYY-MM-DD, or 'unknown'</source>
            <translation>JJJJ-MM-TT oder „unknown“</translation>
        </message>
        <message>
            <location filename="../plugin/imagery_panel.py" />
            <source>Date from: {source}</source>
            <translation>Datum aus: {source}</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>cannot create label layer '{path}': {error}</source>
            <translation>Label-Layer „{path}“ kann nicht angelegt werden: {error}</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>Labels</source>
            <translation>Labels</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>cannot open label layer '{path}'</source>
            <translation>Label-Layer „{path}“ kann nicht geöffnet werden</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>No tile of the selected raster is covered at least half by a label of '{name}' with a class of the Classes list.</source>
            <translation>Keine Kachel des ausgewählten Rasters ist zu mindestens der Hälfte von einem Label aus „{name}“ mit einer Klasse der Klassenliste bedeckt.</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>Label tiles</source>
            <translation>Kacheln labeln</translation>
        </message>
        <message>
            <location filename="../plugin/label_layer.py" />
            <source>The label layer could not be saved: {errors}</source>
            <translation>Der Label-Layer konnte nicht gespeichert werden: {errors}</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>The layer holding the labels: a GeoPackage made here, or any polygon or point layer with a class field</source>
            <translation>Der Layer mit den Labels: ein hier angelegtes GeoPackage oder ein beliebiger Polygon- oder Punktlayer mit Klassenfeld</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>The attribute that holds each label's class (value or name)</source>
            <translation>Das Attribut mit der Klasse jedes Labels (Wert oder Name)</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>New…</source>
            <translation>Neu…</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Create a GeoPackage label layer (beside the project file by default)</source>
            <translation>Einen GeoPackage-Label-Layer anlegen (standardmäßig neben der Projektdatei)</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Open…</source>
            <translation>Öffnen…</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Open an existing label GeoPackage</source>
            <translation>Ein vorhandenes Label-GeoPackage öffnen</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>To tile layer…</source>
            <translation>Als Kachel-Layer…</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Make an editable tile layer from this polygon or point layer: every tile of the selected raster that its labels cover by at least half gets their class, and the label tools then edit the new layer.</source>
            <translation>Aus diesem Polygon- oder Punkt-Layer einen bearbeitbaren Kachel-Layer machen: Jede Kachel des ausgewählten Rasters, die seine Labels zu mindestens der Hälfte bedecken, erhält deren Klasse; die Label-Werkzeuge bearbeiten danach den neuen Layer.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Click a tile to give it the selected class; drag to paint several. Right-click or Shift-click erases.</source>
            <translation>Klicken Sie auf eine Kachel, um ihr die gewählte Klasse zu geben; ziehen Sie, um mehrere zu malen. Rechtsklick oder Umschalt-Klick löscht.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Label by polygon</source>
            <translation>Per Polygon labeln</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Click the corners of a polygon, right-click to finish: every tile it covers by at least half gets the selected class (Shift + right-click erases them).</source>
            <translation>Klicken Sie die Ecken eines Polygons, Rechtsklick schließt ab: Jede Kachel, die es mindestens zur Hälfte bedeckt, erhält die gewählte Klasse (Umschalt + Rechtsklick löscht sie).</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>The class the label tools paint with; choose it in the Classes list.</source>
            <translation>Die Klasse, mit der die Label-Werkzeuge malen; wählen Sie sie in der Klassenliste.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Show tile grid</source>
            <translation>Kachelgitter anzeigen</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Draw the tile grid of the selected raster while a label tool is on; untick it to see the maps underneath.</source>
            <translation>Das Kachelgitter des ausgewählten Rasters zeichnen, solange ein Label-Werkzeug aktiv ist; entfernen Sie den Haken, um die Karten darunter zu sehen.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Class</source>
            <translation>Klasse</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Tiles</source>
            <translation>Kacheln</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Labelled tiles</source>
            <translation>Gelabelte Kacheln</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Label layer</source>
            <translation>Label-Layer</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Active class: none (choose one in the Classes list)</source>
            <translation>Aktive Klasse: keine (wählen Sie eine in der Klassenliste)</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Active class: {name}</source>
            <translation>Aktive Klasse: {name}</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>New label layer</source>
            <translation>Neuer Label-Layer</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Open label layer</source>
            <translation>Label-Layer öffnen</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>New tile layer</source>
            <translation>Neuer Kachel-Layer</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Choose the raster to label in the Imagery list first.</source>
            <translation>Wählen Sie zuerst in der Liste „Bilddaten“ das zu labelnde Raster.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>{n} labelled tiles of '{name}' are now in the tile layer {path}; the label tools edit it.</source>
            <translation>{n} gelabelte Kacheln aus „{name}“ stehen jetzt im Kachel-Layer {path}; die Label-Werkzeuge bearbeiten ihn.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>{n} labels have a class that is not in the Classes list.</source>
            <translation>{n} Labels haben eine Klasse, die nicht in der Klassenliste steht.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>The label tools write to label layers made with New…; this layer is used as it is.</source>
            <translation>Die Label-Werkzeuge schreiben in Label-Layer, die mit „Neu…“ angelegt wurden; dieser Layer wird so verwendet, wie er ist.</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>Created label layer {path}</source>
            <translation>Label-Layer {path} angelegt</translation>
        </message>
        <message>
            <location filename="../plugin/label_panel.py" />
            <source>{labelled} labelled tiles in {classes} classes, {unlabelled} unlabelled tiles.</source>
            <translation>{labelled} gelabelte Kacheln in {classes} Klassen, {unlabelled} ungelabelte Kacheln.</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>Training losses (left axis) and validation accuracy (right axis, 0-100%)</source>
            <translation>Trainingsverluste (linke Achse) und Validierungsgenauigkeit (rechte Achse, 0–100 %)</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>validation accuracy</source>
            <translation>Validierungsgenauigkeit</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>pseudo-label accuracy</source>
            <translation>Pseudolabel-Genauigkeit</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>labelled loss</source>
            <translation>Verlust gelabelt</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>pseudo-label loss</source>
            <translation>Verlust Pseudolabels</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>distillation loss</source>
            <translation>Verlust Destillation</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>Curves appear here while training</source>
            <translation>Die Kurven erscheinen hier während des Trainings</translation>
        </message>
        <message>
            <location filename="../plugin/loss_plot.py" />
            <source>step {n}</source>
            <translation>Schritt {n}</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" />
            <source>&amp;Spatiotemporal SSL</source>
            <translation>&amp;Spatiotemporal SSL</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" />
            <source>Label tiles and train a semi-supervised land-cover model</source>
            <translation>Kacheln labeln und ein teilüberwachtes Landbedeckungsmodell trainieren</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" />
            <source>Training needs Python packages that are not installed: {names}. Labelling works already.</source>
            <translation>Das Training benötigt Python-Pakete, die nicht installiert sind: {names}. Das Labeln funktioniert bereits.</translation>
        </message>
        <message>
            <location filename="../plugin/main.py" />
            <source>Install…</source>
            <translation>Installieren…</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Create or open a label layer first.</source>
            <translation>Legen Sie zuerst einen Label-Layer an oder öffnen Sie einen.</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Erase tiles</source>
            <translation>Kacheln löschen</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Choose a class in the Classes list first.</source>
            <translation>Wählen Sie zuerst eine Klasse in der Klassenliste.</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Label as: {name}</source>
            <translation>Labeln als: {name}</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Erase tiles in polygon</source>
            <translation>Kacheln im Polygon löschen</translation>
        </message>
        <message>
            <location filename="../plugin/maptools.py" />
            <source>Label tiles in polygon</source>
            <translation>Kacheln im Polygon labeln</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source> px</source>
            <translation> px</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>Also add the teacher's map</source>
            <translation>Auch die Karte des Lehrers hinzufügen</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>The map the metadata teacher draws for the training rasters, for comparison with the student's</source>
            <translation>Die Karte, die der Metadaten-Lehrer für die Trainingsraster zeichnet, zum Vergleich mit der des Schülers</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>Where the model file and the maps are written; empty: beside the project</source>
            <translation>Wohin die Modelldatei und die Karten geschrieben werden; leer: neben das Projekt</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>Auto (CUDA if available)</source>
            <translation>Automatisch (CUDA, falls vorhanden)</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>Output folder</source>
            <translation>Ausgabeordner</translation>
        </message>
        <message>
            <location filename="../plugin/options_panel.py" />
            <source>GPU: {name}</source>
            <translation>GPU: {name}</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Value</source>
            <translation>Wert</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Colour</source>
            <translation>Farbe</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Add a class</source>
            <translation>Eine Klasse hinzufügen</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Remove the selected class</source>
            <translation>Die gewählte Klasse entfernen</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Move up</source>
            <translation>Nach oben</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Move down</source>
            <translation>Nach unten</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Import classes from a categorised vector layer</source>
            <translation>Klassen aus einem kategorisierten Vektorlayer übernehmen</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Reset to the ESA WorldCover classes</source>
            <translation>Auf die ESA-WorldCover-Klassen zurücksetzen</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Click to change the colour of {name}</source>
            <translation>Klicken, um die Farbe von {name} zu ändern</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>The value written to the class raster</source>
            <translation>Der Wert, der in das Klassenraster geschrieben wird</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>New class {n}</source>
            <translation>Neue Klasse {n}</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Class names must be unique and not empty.</source>
            <translation>Klassennamen müssen eindeutig und nicht leer sein.</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Layer '{name}' is not styled by categories; style it with 'Categorized' in Layer Properties &gt; Symbology first.</source>
            <translation>Layer „{name}“ ist nicht nach Kategorien dargestellt; stellen Sie ihn zuerst unter Layereigenschaften &gt; Symbologie als „Kategorisiert“ dar.</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Import classes</source>
            <translation>Klassen übernehmen</translation>
        </message>
        <message>
            <location filename="../plugin/palette_editor.py" />
            <source>Take class names and colours from this layer's categorised style:</source>
            <translation>Klassennamen und -farben aus dem kategorisierten Stil dieses Layers übernehmen:</translation>
        </message>
        <message>
            <location filename="../plugin/prediction_time.py" />
            <source>Long prediction</source>
            <translation>Lange Vorhersage</translation>
        </message>
        <message>
            <location filename="../plugin/prediction_time.py" />
            <source>Classify anyway</source>
            <translation>Trotzdem klassifizieren</translation>
        </message>
        <message>
            <location filename="../plugin/prediction_time.py" />
            <source>Classifying with this Presto model on the CPU will take about {time} ({tiles} tiles, measured on a sample of the raster). A CUDA GPU is many times faster.</source>
            <translation>Die Klassifikation mit diesem Presto-Modell auf der CPU dauert etwa {time} ({tiles} Kacheln, gemessen an einer Stichprobe des Rasters). Eine CUDA-GPU ist um ein Vielfaches schneller.</translation>
        </message>
        <message>
            <location filename="../plugin/prediction_time.py" />
            <source>At the stride resolution (one class per {n} x {n} px tile) it takes about {time}.</source>
            <translation>In der Schrittweiten-Auflösung (eine Klasse je Kachel von {n} x {n} px) dauert sie etwa {time}.</translation>
        </message>
        <message>
            <location filename="../plugin/prediction_time.py" />
            <source>One class per tile (about {time})</source>
            <translation>Eine Klasse je Kachel (etwa {time})</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>PyTorch weights (*.pt)</source>
            <translation>PyTorch-Gewichte (*.pt)</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Presto weights (default_model.pt)</source>
            <translation>Presto-Gewichte (default_model.pt)</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>The Presto weights file default_model.pt; empty: $STSSL_PRESTO_WEIGHTS or the plugin's data folder, where Download… saves it</source>
            <translation>Die Presto-Gewichtsdatei default_model.pt; leer: $STSSL_PRESTO_WEIGHTS oder der Datenordner des Plugins, in den „Herunterladen…“ sie speichert</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download…</source>
            <translation>Herunterladen…</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download the Presto authors' weights (3.3 MB, MIT licence) into the plugin's data folder; asks first</source>
            <translation>Die Gewichte der Presto-Autoren (3,3 MB, MIT-Lizenz) in den Datenordner des Plugins herunterladen; fragt vorher</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Not found: {path}. Choose default_model.pt, or click Download…</source>
            <translation>Nicht gefunden: {path}. Wählen Sie default_model.pt oder klicken Sie auf „Herunterladen…“</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>No Presto weights yet: choose default_model.pt, or click Download… to save them in {folder}</source>
            <translation>Noch keine Presto-Gewichte: Wählen Sie default_model.pt oder klicken Sie auf „Herunterladen…“, um sie in {folder} zu speichern</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Found: {path} (sha256 OK, the published file)</source>
            <translation>Gefunden: {path} (sha256 OK, die veröffentlichte Datei)</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Found: {path}, but its sha256 is not the published file's; it is used if it holds the Presto encoder</source>
            <translation>Gefunden: {path}, aber ihre sha256 ist nicht die der veröffentlichten Datei; sie wird verwendet, wenn sie den Presto-Encoder enthält</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>No Presto weights found: under Training options &gt; Presto weights choose the file default_model.pt, or click Download… (they are saved in {folder})</source>
            <translation>Keine Presto-Gewichte gefunden: Wählen Sie unter Trainingsoptionen &gt; Presto-Gewichte die Datei default_model.pt oder klicken Sie dort auf „Herunterladen…“ (sie werden in {folder} gespeichert)</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download the Presto weights?</source>
            <translation>Presto-Gewichte herunterladen?</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download the pretrained Presto weights ({size:.1f} MB) from the Presto authors' public repository?

{url}

They are under the MIT licence (Copyright (c) 2024 Presto Authors), which is saved beside them. Their sha256 is checked before they are used. Folder:
{folder}</source>
            <translation>Die vortrainierten Presto-Gewichte ({size:.1f} MB) aus dem öffentlichen Repository der Presto-Autoren herunterladen?

{url}

Sie stehen unter der MIT-Lizenz (Copyright (c) 2024 Presto Authors), die neben ihnen gespeichert wird. Ihre sha256 wird geprüft, bevor sie verwendet werden. Ordner:
{folder}</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Cancel download</source>
            <translation>Herunterladen abbrechen</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Downloading the Presto weights from {url}…</source>
            <translation>Die Presto-Gewichte werden von {url} heruntergeladen…</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download cancelled; nothing was saved.</source>
            <translation>Herunterladen abgebrochen; nichts wurde gespeichert.</translation>
        </message>
        <message>
            <location filename="../plugin/presto_weights_widget.py" />
            <source>Download failed: {message}</source>
            <translation>Herunterladen fehlgeschlagen: {message}</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Missing Python packages: {names}. Open the Spatiotemporal SSL dock to install them.</source>
            <translation>Fehlende Python-Pakete: {names}. Öffnen Sie das Spatiotemporal-SSL-Fenster, um sie zu installieren.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>The classified map must be a raster file (GeoTIFF, ...).</source>
            <translation>Die klassifizierte Karte muss eine Rasterdatei sein (GeoTIFF, ...).</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Assess map accuracy (Olofsson et al. 2014)</source>
            <translation>Kartengenauigkeit bewerten (Olofsson et al. 2014)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Compares a classified map with independent reference points or polygons (any CRS) and reports the error matrix, overall, user's and producer's accuracy, F1 and kappa, and the good-practice estimates of Olofsson et al. (2014): area-adjusted accuracies and the area of each class with 95 % confidence intervals, in hectares. Points outside the map and samples on nodata are counted in the log. Reference classes are integer codes as in the map, or class names; names the map does not know are mapped with 'forest=1, water=2'. For area estimates that hold, the reference should be a random sample, e.g. from 'Create validation sample'.</source>
            <translation>Vergleicht eine klassifizierte Karte mit unabhängigen Referenzpunkten oder -polygonen (beliebiges KBS) und berichtet die Fehlermatrix, Gesamt-, Nutzer- und Herstellergenauigkeit, F1 und Kappa sowie die Good-Practice-Schätzungen nach Olofsson et al. (2014): flächengewichtete Genauigkeiten und die Fläche jeder Klasse mit 95-%-Konfidenzintervallen in Hektar. Punkte außerhalb der Karte und Stichproben auf NoData werden im Protokoll gezählt. Referenzklassen sind ganzzahlige Codes wie in der Karte oder Klassennamen; Namen, die die Karte nicht kennt, werden mit 'Wald=1, Wasser=2' zugeordnet. Für belastbare Flächenschätzungen sollte die Referenz eine Zufallsstichprobe sein, z. B. aus 'Validierungsstichprobe erstellen'.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Classified map</source>
            <translation>Klassifizierte Karte</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Reference data (points or polygons)</source>
            <translation>Referenzdaten (Punkte oder Polygone)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Reference class field</source>
            <translation>Klassenfeld der Referenz</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Class names to map codes (e.g. forest=1, water=2; empty: codes or the map's names)</source>
            <translation>Klassennamen zu Kartencodes (z. B. Wald=1, Wasser=2; leer: Codes oder die Namen der Karte)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Report (CSV)</source>
            <translation>Bericht (CSV)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Report (HTML)</source>
            <translation>Bericht (HTML)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Overall accuracy (area-adjusted)</source>
            <translation>Gesamtgenauigkeit (flächengewichtet)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Overall accuracy: 95 % confidence half-width</source>
            <translation>Gesamtgenauigkeit: halbe Breite des 95-%-Konfidenzintervalls</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Overall accuracy of the sample</source>
            <translation>Gesamtgenauigkeit der Stichprobe</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Cohen's kappa</source>
            <translation>Cohens Kappa</translation>
        </message>
        <message>
            <location filename="../plugin/processing/assess_algorithm.py" />
            <source>Sample units used</source>
            <translation>Verwendete Stichprobeneinheiten</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>For a model with the Presto backbone and a stack raster (the bands of one date, then the next date's): the date of every timestep, which the teacher reads, where the band descriptions do not hold them.</source>
            <translation>Für ein Modell mit dem Presto-Backbone und ein Stapelraster (die Kanäle eines Datums, dann die des nächsten): das Datum jedes Zeitschritts, das der Lehrer liest, wo die Kanalbeschreibungen es nicht enthalten.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Classify raster with model</source>
            <translation>Raster mit Modell klassifizieren</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Classifies a raster with a model trained by Spatiotemporal SSL: a class map styled with the model's classes, and optionally the confidence (highest class probability) and the metadata teacher's map. The raster needs the bands the model was trained on.</source>
            <translation>Klassifiziert ein Raster mit einem von Spatiotemporal SSL trainierten Modell: eine Klassenkarte im Stil der Modellklassen und optional die Konfidenz (höchste Klassenwahrscheinlichkeit) und die Karte des Metadaten-Lehrers. Das Raster braucht die Bänder, mit denen das Modell trainiert wurde.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Model file</source>
            <translation>Modelldatei</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Model file (*.pt *.pth);;All files (*.*)</source>
            <translation>Modelldatei (*.pt *.pth);;Alle Dateien (*.*)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Raster to classify</source>
            <translation>Zu klassifizierendes Raster</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Or: dates of one place to classify as one series (as in training)</source>
            <translation>Oder: Aufnahmen eines Ortes, als eine Zeitreihe zu klassifizieren (wie im Training)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Single-date rasters on one grid with the same bands, stacked into one time series per pixel in date order (a model trained on a series); give these or the raster to classify.</source>
            <translation>Einzelaufnahmen auf einem Gitter mit denselben Bändern, nach Datum zu einer Zeitreihe je Pixel gestapelt (für ein auf einer Zeitreihe trainiertes Modell); geben Sie diese oder das zu klassifizierende Raster an.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Acquisition date (YYYY-MM-DD; empty: detect; only used by the teacher's map)</source>
            <translation>Aufnahmedatum (JJJJ-MM-TT; leer: ermitteln; nur für die Karte des Lehrers)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Timestep dates of a stack raster (YYYY-MM-DD, comma separated; empty: from the band descriptions; only used by the teacher's map)</source>
            <translation>Daten der Zeitschritte eines Stapelrasters (JJJJ-MM-TT, durch Kommas getrennt; leer: aus den Kanalbeschreibungen; nur für die Karte des Lehrers)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Classify even when the raster's values lie far outside the training range</source>
            <translation>Auch klassifizieren, wenn die Werte des Rasters weit außerhalb des Trainingsbereichs liegen</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Land cover</source>
            <translation>Landbedeckung</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Confidence</source>
            <translation>Konfidenz</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Teacher's map</source>
            <translation>Karte des Lehrers</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Give either the raster to classify or the dates of one place to classify as one series, not both.</source>
            <translation>Geben Sie entweder das zu klassifizierende Raster oder die Aufnahmen eines Ortes als Zeitreihe an, nicht beides.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>The raster to classify must be a file (GeoTIFF, JP2, VRT, ...).</source>
            <translation>Das zu klassifizierende Raster muss eine Datei sein (GeoTIFF, JP2, VRT, …).</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>This model has no teacher; the teacher's map is skipped.</source>
            <translation>Dieses Modell hat keinen Lehrer; die Karte des Lehrers entfällt.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Nothing was written; tick 'Classify even when the raster's values lie far outside the training range' to classify it anyway.</source>
            <translation>Es wurde nichts geschrieben; haken Sie „Auch klassifizieren, wenn die Werte des Rasters weit außerhalb des Trainingsbereichs liegen“ an, um es trotzdem zu klassifizieren.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/classify_algorithm.py" />
            <source>Classified {n} tiles in {s:.1f} s.</source>
            <translation>{n} Kacheln in {s:.1f} s klassifiziert.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/provider.py" />
            <source>Spatiotemporal SSL: semi-supervised land-cover mapping</source>
            <translation>Spatiotemporal SSL: teilüberwachte Landbedeckungskartierung</translation>
        </message>
        <message>
            <location filename="../plugin/processing/result_styles.py" />
            <source>The confidence map's style file could not be read; it is drawn in grey.</source>
            <translation>Die Stildatei der Konfidenzkarte konnte nicht gelesen werden; sie wird grau dargestellt.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Create validation sample</source>
            <translation>Validierungsstichprobe erstellen</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Draws stratified random points (pixel centres) over a classified map, the map classes being the strata, and writes them as a GeoPackage in the map's CRS with the map class and an empty reference field to fill in by photo-interpretation or field visits. Either the same number of points per class, or a total sized from the expected user's accuracy of each class and a target standard error of overall accuracy (Olofsson et al. 2014, eq. 13), allocated in proportion to area with a minimum per class. Expected accuracies: one number for all classes, or 'CLASS=U' by code or name, e.g. '1=0.7, forest=0.9, 0.8'. The same seed gives the same points. Then run 'Assess map accuracy' with the labelled layer.</source>
            <translation>Zieht geschichtete Zufallspunkte (Pixelmitten) über eine klassifizierte Karte, mit den Kartenklassen als Schichten, und schreibt sie als GeoPackage im KBS der Karte, mit der Kartenklasse und einem leeren Referenzfeld, das durch Bildinterpretation oder Feldbegehung ausgefüllt wird. Entweder dieselbe Anzahl Punkte je Klasse oder ein Umfang, der aus der erwarteten Nutzergenauigkeit jeder Klasse und einem Ziel-Standardfehler der Gesamtgenauigkeit bemessen wird (Olofsson et al. 2014, Gl. 13), flächenproportional verteilt mit einem Minimum je Klasse. Erwartete Genauigkeiten: eine Zahl für alle Klassen oder 'KLASSE=U' nach Code oder Name, z. B. '1=0.7, forest=0.9, 0.8'. Derselbe Startwert ergibt dieselben Punkte. Danach 'Kartengenauigkeit bewerten' mit dem gelabelten Layer ausführen.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Sample size</source>
            <translation>Stichprobenumfang</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>the same number of points in every class</source>
            <translation>dieselbe Anzahl Punkte in jeder Klasse</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>from expected user's accuracies (Olofsson et al. 2014)</source>
            <translation>aus erwarteten Nutzergenauigkeiten (Olofsson et al. 2014)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Points per class</source>
            <translation>Punkte je Klasse</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Expected user's accuracies</source>
            <translation>Erwartete Nutzergenauigkeiten</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Target standard error of overall accuracy</source>
            <translation>Ziel-Standardfehler der Gesamtgenauigkeit</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Minimum points per class</source>
            <translation>Mindestanzahl Punkte je Klasse</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Seed</source>
            <translation>Seed</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Reference field to fill in</source>
            <translation>Auszufüllendes Referenzfeld</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Validation sample</source>
            <translation>Validierungsstichprobe</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>Number of points</source>
            <translation>Anzahl Punkte</translation>
        </message>
        <message>
            <location filename="../plugin/processing/sample_algorithm.py" />
            <source>{n} points ({rule}).</source>
            <translation>{n} Punkte ({rule}).</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Syntax: band=role, comma separated, 1-based band numbers of one timestep; a role is a Presto channel (B2 ... B12, B8A, VV, VH, NDVI), a common name (blue, nir, swir16), B8+B8A for several, or ignore. Bands whose role cannot be told from their names must be given.</source>
            <translation>Syntax: Kanal=Rolle, durch Kommas getrennt, Kanalnummern eines Zeitschritts ab 1; eine Rolle ist ein Presto-Kanal (B2 ... B12, B8A, VV, VH, NDVI), ein gebräuchlicher Name (blue, nir, swir16), B8+B8A für mehrere, oder ignore. Kanäle, deren Rolle ihre Namen nicht verraten, müssen angegeben werden.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>For a stack raster (the bands of one date, then the next date's): the date of every timestep, where the band descriptions do not hold them. One list for every raster, or one list per raster separated by ';'.</source>
            <translation>Für ein Stapelraster (die Kanäle eines Datums, dann die des nächsten): das Datum jedes Zeitschritts, wo die Kanalbeschreibungen es nicht enthalten. Eine Liste für alle Raster, oder eine Liste je Raster, getrennt durch ';'.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Train Spatiotemporal SSL model</source>
            <translation>Spatiotemporal-SSL-Modell trainieren</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Trains a land-cover model from rasters and labelled polygons or points, learning also from the unlabelled tiles (FixMatch, FreeMatch or SoftMatch). With the metadata teacher, a teacher network sees each tile's location and acquisition date and guides a pixel-only student, which is the model saved. Dates are detected from the rasters unless given, one per raster, comma separated ('unknown' is allowed).</source>
            <translation>Trainiert ein Landbedeckungsmodell aus Rastern und gelabelten Polygonen oder Punkten und lernt dabei auch aus den ungelabelten Kacheln (FixMatch, FreeMatch oder SoftMatch). Mit dem Metadaten-Lehrer sieht ein Lehrer-Netz Ort und Aufnahmedatum jeder Kachel und leitet einen Schüler an, der nur Pixel sieht; dieser wird als Modell gespeichert. Die Daten werden aus den Rastern ermittelt, sofern sie nicht angegeben sind, eines je Raster, durch Kommas getrennt („unknown“ ist erlaubt).</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Training rasters</source>
            <translation>Trainingsraster</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Acquisition dates (YYYY-MM-DD, comma separated; empty: detect)</source>
            <translation>Aufnahmedaten (JJJJ-MM-TT, durch Kommas getrennt; leer: ermitteln)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>The rasters are dates of one place (stack them into one series)</source>
            <translation>Die Raster sind Aufnahmen eines Ortes (zu einer Zeitreihe stapeln)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>For the Presto backbone: single-date rasters on one grid with the same bands become one time series per pixel, in date order, each dated by its own acquisition date; a date without data at a pixel (clouds, nodata) is masked at that timestep.</source>
            <translation>Für das Presto-Backbone: Einzelaufnahmen auf einem Gitter mit denselben Bändern werden nach Datum geordnet zu einer Zeitreihe je Pixel, jede mit ihrem eigenen Aufnahmedatum; ein Datum ohne Daten an einem Pixel (Wolken, NoData) wird in diesem Zeitschritt maskiert.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Labels (polygons or points)</source>
            <translation>Labels (Polygone oder Punkte)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Overwrite an existing model file</source>
            <translation>Eine vorhandene Modelldatei überschreiben</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Model file (*.pt)</source>
            <translation>Modelldatei (*.pt)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Validation accuracy</source>
            <translation>Validierungsgenauigkeit</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Presto weights (*.pt);;All files (*.*)</source>
            <translation>Presto-Gewichte (*.pt);;Alle Dateien (*.*)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Timestep dates (YYYY-MM-DD, comma separated; empty: from the band descriptions)</source>
            <translation>Daten der Zeitschritte (JJJJ-MM-TT, durch Kommas getrennt; leer: aus den Kanalbeschreibungen)</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>{what}: {n} lists of dates (separated by ';') for {m} rasters; give one list for all rasters or one per raster</source>
            <translation>{what}: {n} Listen von Daten (getrennt durch ';') für {m} Raster; geben Sie eine Liste für alle Raster oder eine je Raster an</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Give at least one training raster.</source>
            <translation>Geben Sie mindestens ein Trainingsraster an.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>{n} dates were given for {m} rasters; give one per raster, or none.</source>
            <translation>Es wurden {n} Daten für {m} Raster angegeben; geben Sie eines je Raster an oder keines.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>raster '{name}' is not a file; save it as GeoTIFF first</source>
            <translation>Raster „{name}“ ist keine Datei; speichern Sie es zuerst als GeoTIFF</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Series of {n} dates: {dates}</source>
            <translation>Zeitreihe aus {n} Aufnahmen: {dates}</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>step {step}/{total} {losses}</source>
            <translation>Schritt {step}/{total} {losses}</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Cancelled; the best model so far was saved.</source>
            <translation>Abgebrochen; das bisher beste Modell wurde gespeichert.</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Model saved to {path} ({device}).</source>
            <translation>Modell in {path} gespeichert ({device}).</translation>
        </message>
        <message>
            <location filename="../plugin/processing/train_algorithm.py" />
            <source>Validation accuracy {acc:.1%} on {n} held-out tiles.</source>
            <translation>Validierungsgenauigkeit {acc:.1%} auf {n} zurückgehaltenen Kacheln.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>QGIS cannot open the class map '{path}'</source>
            <translation>QGIS kann die Klassenkarte „{path}“ nicht öffnen</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>QGIS cannot open the confidence map '{path}'</source>
            <translation>QGIS kann die Konfidenzkarte „{path}“ nicht öffnen</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Land cover: {raster} ({model}, {time})</source>
            <translation>Landbedeckung: {raster} ({model}, {time})</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Teacher's map (with metadata)</source>
            <translation>Karte des Lehrers (mit Metadaten)</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>No labelled tiles were held out for validation.</source>
            <translation>Es wurden keine gelabelten Kacheln für die Validierung zurückgehalten.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>A class is validated only when at least {n} of its tiles can be held out.</source>
            <translation>Eine Klasse wird nur validiert, wenn mindestens {n} ihrer Kacheln zurückgehalten werden können.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>At the held-out fraction of {pct:.0f} % that takes {n} labelled tiles of a class.</source>
            <translation>Beim zurückgehaltenen Anteil von {pct:.0f} % braucht das {n} gelabelte Kacheln einer Klasse.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Label more tiles for an accuracy estimate; the last model of the run was kept.</source>
            <translation>Labeln Sie mehr Kacheln für eine Genauigkeitsschätzung; das letzte Modell des Laufs wurde behalten.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>A cheap baseline on the same held-out tiles, {name}: {acc}.</source>
            <translation>Eine einfache Vergleichsmethode auf denselben zurückgehaltenen Kacheln, {name}: {acc}.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>This model is better.</source>
            <translation>Dieses Modell ist besser.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>It is as good or better than this model: the method Quick map gives it as a map.</source>
            <translation>Sie ist so gut wie dieses Modell oder besser: die Methode Schnellkarte liefert sie als Karte.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>It is as good or better than this model: label more tiles, or check the map against a per-pixel classifier.</source>
            <translation>Sie ist so gut wie dieses Modell oder besser: beschriften Sie mehr Kacheln oder prüfen Sie die Karte mit einem pixelweisen Klassifikator.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>{pct:.0f} % of the unlabelled tiles lie farther from every label than {km:.3g} km, the farthest a label lies from the next.</source>
            <translation>{pct:.0f} % der unbeschrifteten Kacheln liegen weiter als {km:.3g} km von jedem Label entfernt, so weit, wie ein Label höchstens vom nächsten liegt.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>The validation accuracy does not speak for them: label tiles there, or read the map there as unvalidated.</source>
            <translation>Für sie sagt die Validierungsgenauigkeit nichts aus: Beschriften Sie dort Kacheln, oder lesen Sie die Karte dort als nicht validiert.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>chosen automatically</source>
            <translation>automatisch gewählt</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>as chosen</source>
            <translation>wie gewählt</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Backbone</source>
            <translation>Backbone</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Normalisation</source>
            <translation>Normalisierung</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Training was cancelled; the best model so far was saved.</source>
            <translation>Das Training wurde abgebrochen; das bisher beste Modell wurde gespeichert.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Validation accuracy: {acc} on {n} held-out labelled tiles</source>
            <translation>Validierungsgenauigkeit: {acc} auf {n} zurückgehaltenen gelabelten Kacheln</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>(best step {step})</source>
            <translation>(bester Schritt {step})</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Device: {device}</source>
            <translation>Gerät: {device}</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Accuracy</source>
            <translation>Genauigkeit</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Confusion matrix</source>
            <translation>Konfusionsmatrix</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>rows: labelled class, columns: predicted class</source>
            <translation>Zeilen: gelabelte Klasse, Spalten: vorhergesagte Klasse</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>band {n} ({name})</source>
            <translation>Band {n} ({name})</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>band {n}</source>
            <translation>Band {n}</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Every pixel had data in all bands and was classified.</source>
            <translation>Jedes Pixel hatte in allen Bändern Daten und wurde klassifiziert.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>{pct} of the pixels ({n} of {total}) have no data in some band and were left unclassified</source>
            <translation>{pct} der Pixel ({n} von {total}) haben in einem Band keine Daten und blieben unklassifiziert</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>; most of them in {band} ({pct} of the raster has none there)</source>
            <translation>; die meisten davon in {band} ({pct} des Rasters hat dort keine)</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Nodata per band: {bands}.</source>
            <translation>NoData je Band: {bands}.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Classified '{name}': {n} tiles in {s:.1f} s.</source>
            <translation>„{name}“ klassifiziert: {n} Kacheln in {s:.1f} s.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Classifying was cancelled; finished maps were kept.</source>
            <translation>Das Klassifizieren wurde abgebrochen; fertige Karten wurden behalten.</translation>
        </message>
        <message>
            <location filename="../plugin/results.py" />
            <source>Raster '{name}' does not look like the rasters the model was trained on: in {bands}, most pixels lie far outside the training range (in {band}, {pct} of the pixels; median {median:.4g}, training mean {mean:.4g} ± {std:.4g}). The map would probably show a single class. Check that the raster has the bands, units and scaling of the training rasters (for example 8-bit digital numbers versus scaled reflectance). For a raster of another date or season, train with the normalisation 'Each raster by its own statistics'.</source>
            <translation>Raster „{name}“ sieht nicht wie die Raster aus, mit denen das Modell trainiert wurde: In {bands} liegen die meisten Pixel weit außerhalb des Trainingsbereichs (in {band} {pct} der Pixel; Median {median:.4g}, Trainingsmittel {mean:.4g} ± {std:.4g}). Die Karte würde wahrscheinlich nur eine Klasse zeigen. Prüfen Sie, ob das Raster die Bänder, Einheiten und Skalierung der Trainingsraster hat (zum Beispiel 8-Bit-Grauwerte gegenüber skalierter Reflexion). Für ein Raster eines anderen Datums oder einer anderen Jahreszeit trainieren Sie mit der Normalisierung „Jedes Raster nach eigener Statistik“.</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>{h} h {m:02d} min left</source>
            <translation>noch {h} h {m:02d} min</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>{m} min {s:02d} s left</source>
            <translation>noch {m} min {s:02d} s</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>{s} s left</source>
            <translation>noch {s} s</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Train semi-supervised</source>
            <translation>Teilüberwacht trainieren</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Train on the ticked rasters and the labelled tiles, then add the land-cover map to the project</source>
            <translation>Auf den angehakten Rastern und gelabelten Kacheln trainieren und dann die Landbedeckungskarte zum Projekt hinzufügen</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Cancel</source>
            <translation>Abbrechen</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Ready.</source>
            <translation>Bereit.</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>The validation report appears here after training.</source>
            <translation>Der Validierungsbericht erscheint hier nach dem Training.</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Predict with a saved model</source>
            <translation>Mit einem gespeicherten Modell vorhersagen</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Spatiotemporal SSL model (*.pt *.pth)</source>
            <translation>Spatiotemporal-SSL-Modell (*.pt *.pth)</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>A model file written by Train (or by stssl train)</source>
            <translation>Eine von „Training“ (oder von stssl train) geschriebene Modelldatei</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Classify raster</source>
            <translation>Raster klassifizieren</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Classify the chosen raster (another date or region) with the model</source>
            <translation>Das gewählte Raster (ein anderes Datum oder Gebiet) mit dem Modell klassifizieren</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Model</source>
            <translation>Modell</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Cutting tiles and reading labels…</source>
            <translation>Kacheln werden geschnitten und Labels gelesen…</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Saving the model…</source>
            <translation>Modell wird gespeichert…</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Step {step} of {total}</source>
            <translation>Schritt {step} von {total}</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>validation accuracy {acc:.0%}</source>
            <translation>Validierungsgenauigkeit {acc:.0%}</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>pseudo-labels used {rate:.0%}, by the student {student:.0%}</source>
            <translation>genutzte Pseudolabels {rate:.0%}, vom Schüler {student:.0%}</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>pseudo-labels used {rate:.0%}</source>
            <translation>genutzte Pseudolabels {rate:.0%}</translation>
        </message>
        <message>
            <location filename="../plugin/run_panel.py" />
            <source>Classifying raster {i} of {n}…</source>
            <translation>Raster {i} von {n} wird klassifiziert…</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Training started on {n} raster(s).</source>
            <translation>Training auf {n} Raster(n) gestartet.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Classifying {n} raster(s).</source>
            <translation>{n} Raster werden klassifiziert.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Stopping…</source>
            <translation>Wird beendet…</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Stopping after the current step…</source>
            <translation>Wird nach dem aktuellen Schritt beendet…</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Not classified: the raster does not look like the training rasters.</source>
            <translation>Nicht klassifiziert: Das Raster sieht nicht wie die Trainingsraster aus.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Model saved: {path}</source>
            <translation>Modell gespeichert: {path}</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Model saved to {path}.</source>
            <translation>Modell in {path} gespeichert.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Validation accuracy {acc:.0%}.</source>
            <translation>Validierungsgenauigkeit {acc:.0%}.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Classified with: {path}</source>
            <translation>Klassifiziert mit: {path}</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>{n} map(s) added.</source>
            <translation>{n} Karte(n) hinzugefügt.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>No map yet: it would take long on the CPU; Predict with a saved model makes it.</source>
            <translation>Noch keine Karte: sie würde auf der CPU lange dauern; „Mit gespeichertem Modell vorhersagen“ erstellt sie.</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Cancelled. </source>
            <translation>Abgebrochen. </translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Done. </source>
            <translation>Fertig. </translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Classify anyway?</source>
            <translation>Trotzdem klassifizieren?</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Classify it anyway?</source>
            <translation>Trotzdem klassifizieren?</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Not classified: {warning}</source>
            <translation>Nicht klassifiziert: {warning}</translation>
        </message>
        <message>
            <location filename="../plugin/runs.py" />
            <source>Stopped: {message}</source>
            <translation>Angehalten: {message}</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_layer.py" />
            <source>Suggested tiles</source>
            <translation>Vorgeschlagene Kacheln</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_layer.py" />
            <source>QGIS cannot open the suggestions '{path}'</source>
            <translation>QGIS kann die Vorschläge „{path}“ nicht öffnen</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Low confidence</source>
            <translation>Geringe Konfidenz</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Small margin</source>
            <translation>Kleine Marge</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Teacher-student disagreement</source>
            <translation>Uneinigkeit von Lehrer und Schüler</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>EMA-online disagreement</source>
            <translation>Uneinigkeit von EMA- und Online-Schüler</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>How tiles are ranked (see docs/active_learning.md for how each did against labelling at random)</source>
            <translation>Wie die Kacheln gereiht werden (wie jede Reihung gegen zufälliges Labeln abschnitt: docs/active_learning.md)</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>How many tiles to suggest</source>
            <translation>Wie viele Kacheln vorgeschlagen werden</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>After training</source>
            <translation>Nach dem Training</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Suggest tiles after every training run</source>
            <translation>Nach jedem Training Kacheln vorschlagen</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Suggest tiles</source>
            <translation>Kacheln vorschlagen</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Rank the unlabelled tiles of the ticked rasters with the model file (Train section) and show the best as 'Suggested tiles'</source>
            <translation>Die ungelabelten Kacheln der angehakten Raster mit der Modelldatei (Abschnitt „Training“) reihen und die besten als „Vorgeschlagene Kacheln“ zeigen</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Next suggestion</source>
            <translation>Nächster Vorschlag</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Zoom to the best suggested tile left, select its predicted class and turn on the tile tool</source>
            <translation>Zur besten verbleibenden vorgeschlagenen Kachel zoomen, ihre vorhergesagte Klasse wählen und das Kachelwerkzeug einschalten</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Choose a model file in the Train section (Train writes one).</source>
            <translation>Wählen Sie im Abschnitt „Training“ eine Modelldatei („Training“ schreibt eine).</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>No raster is ticked in the Imagery list; tick the rasters the model was trained on.</source>
            <translation>In der Liste „Bilddaten“ ist kein Raster angehakt; haken Sie die Raster an, auf denen das Modell trainiert wurde.</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Scoring the unlabelled tiles…</source>
            <translation>Die ungelabelten Kacheln werden bewertet…</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>No suggestions: {message}</source>
            <translation>Keine Vorschläge: {message}</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>{n} suggested tiles of {m} unlabelled ({score}).</source>
            <translation>{n} vorgeschlagene Kacheln von {m} ungelabelten ({score}).</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Fewer than asked: no more tiles are {d:g} tiles apart.</source>
            <translation>Weniger als gewünscht: keine weiteren Kacheln liegen {d:g} Kacheln auseinander.</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>The suggestions '{name}' could not be updated.</source>
            <translation>Die Vorschläge „{name}“ konnten nicht aktualisiert werden.</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>{n} suggested tiles left.</source>
            <translation>Noch {n} vorgeschlagene Kacheln.</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>No suggested tiles left: train again for new suggestions.</source>
            <translation>Keine vorgeschlagenen Kacheln mehr: erneut trainieren für neue Vorschläge.</translation>
        </message>
        <message>
            <location filename="../plugin/suggest_panel.py" />
            <source>Suggestion {rank} of {n} left: predicted '{name}' ({conf:.0%} sure).</source>
            <translation>Vorschlag {rank}, noch {n}: vorhergesagt „{name}“ ({conf:.0%} sicher).</translation>
        </message>
        <message>
            <location filename="../plugin/tile_grid.py" />
            <source>raster '{name}' has no pixels</source>
            <translation>Raster „{name}“ hat keine Pixel</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>1 band, {dtype}</source>
            <translation>1 Band, {dtype}</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>{n} bands, {dtype}</source>
            <translation>{n} Bänder, {dtype}</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>A single-band class raster (drawn from a palette): not ticked for training. Tick it only if it really is imagery.</source>
            <translation>Ein einbandiges Klassenraster (mit Palette dargestellt): nicht zum Trainieren angehakt. Haken Sie es nur an, wenn es wirklich Bilddaten sind.</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>Not ticked: this raster has {kind}, the rasters to train on have {wanted}. Training needs the same bands in the same order.</source>
            <translation>Nicht angehakt: Dieses Raster hat {kind}, die Trainingsraster haben {wanted}. Das Training braucht dieselben Bänder in derselben Reihenfolge.</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>No raster is ticked: tick the rasters to train on.</source>
            <translation>Kein Raster ist angehakt: Haken Sie die Raster zum Trainieren an.</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>Train uses {n} raster(s): {names}.</source>
            <translation>Das Training verwendet {n} Raster: {names}.</translation>
        </message>
        <message>
            <location filename="../plugin/training_choice.py" />
            <source>The ticked rasters differ in bands or data type; training needs the same bands in the same order.</source>
            <translation>Die angehakten Raster unterscheiden sich in Bändern oder Datentyp; das Training braucht dieselben Bänder in derselben Reihenfolge.</translation>
        </message>
    </context>
</TS>
