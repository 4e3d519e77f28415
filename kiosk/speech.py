"""Read aloud: the text of the current screen spoken by espeak-ng, in the visitor's language.

Only where espeak-ng is installed (Debian: espeak-ng); without it the kiosk does not offer the
mode. Speaking runs in its own process, so the screens never wait on it; a new request or the
end of the visit stops what is still being said.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# espeak-ng's voice for each interface language.
VOICES = {"nl": "nl", "en": "en-gb", "tr": "tr", "ar": "ar", "pl": "pl", "uk": "uk"}
WORDS_PER_MINUTE = 150  # a little slower than espeak's default 175: easier to follow


def available() -> bool:
    return shutil.which("espeak-ng") is not None


class Speaker:
    """Says one text at a time. ``wav_path``: write the speech to this file instead of the
    loudspeaker (for tests and for checking a voice on a machine without sound)."""

    def __init__(self, wav_path: Path | None = None) -> None:
        self.wav_path = wav_path
        self.process: subprocess.Popen | None = None
        self.last_text = ""

    def say(self, text: str, lang: str) -> bool:
        self.stop()
        executable = shutil.which("espeak-ng")
        if executable is None or not text.strip():
            return False
        command = [executable, "-b", "1", "-s", str(WORDS_PER_MINUTE), "-v", VOICES.get(lang, lang)]
        if self.wav_path is not None:
            command += ["-w", str(self.wav_path)]
        command.append("--stdin")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self.process.stdin.write(text.encode("utf-8"))
            self.process.stdin.close()
        except BrokenPipeError:  # espeak-ng ended early (no sound device): nothing to say
            return False
        self.last_text = text
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
