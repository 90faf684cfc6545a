"""Animations of time-lapse frames: an H.264 MP4 (the ffmpeg imageio-ffmpeg ships) or a looping GIF."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from . import checks
from .cache import write_atomic
from .errors import NorrskenError
from .io import check_output_file

#: Animation formats and their file suffixes.
VIDEO_SUFFIXES = (".mp4", ".gif")
#: Frame rates an animation may have, frames per second.
FPS_RANGE = (0.1, 120.0)


def check_video_path(path: str | os.PathLike, new_folder: Path | None = None, fps: float = 10.0) -> Path:
    """Check, before any work, that an animation at ``fps`` frames per second can be written to
    ``path`` (.mp4 or .gif); ``new_folder`` is a folder about to be created (the frames'), which
    may hold it."""
    checks.real("fps", fps, FPS_RANGE)
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise NorrskenError(f"animation file {str(path)!r} must end in {' or '.join(VIDEO_SUFFIXES)}", parameter="path")
    if new_folder is not None and path.parent.resolve() == Path(new_folder).resolve() and not path.parent.exists():
        return path
    return check_output_file(path, path.suffix.lower())


def encode_video(frames: Sequence[Path], path: str | os.PathLike, fps: float = 10.0) -> Path:
    """Join PNG frames (all the same size) into an H.264 MP4 (imageio-ffmpeg's packaged ffmpeg)
    or a looping GIF (imageio with Pillow), in the given order.

    An MP4 needs even dimensions (yuv420p): odd frames gain one black row or column.
    """
    path = check_video_path(path, fps=fps)
    if not frames:
        raise NorrskenError("no frames to animate")
    sizes = []
    for frame in frames:  # every size first (headers only), so a bad frame writes nothing
        try:
            with Image.open(frame) as image:
                sizes.append(image.size)
        except OSError as exc:
            raise NorrskenError(f"cannot read frame {str(frame)!r}: {exc}") from None
    width, height = sizes[0]
    for frame, size in zip(frames, sizes, strict=True):
        if size != (width, height):
            raise NorrskenError(
                f"frame {str(frame)!r} is {size[0]}x{size[1]}, not {width}x{height} like the first: frames of one "
                "animation must match"
            )
    # Lazy: imageio and its plugins load only when an animation is written.
    import imageio.v3 as iio

    def images() -> Iterator[np.ndarray]:
        for frame in frames:
            yield iio.imread(frame)[..., :3]

    if path.suffix.lower() == ".gif":
        stack = np.stack(list(images()))
        write_atomic(path, lambda fh: iio.imwrite(fh, stack, extension=".gif", duration=1000.0 / fps, loop=0))
        return path
    # Lazy: as imageio above.
    import imageio_ffmpeg

    even = (width + width % 2, height + height % 2)
    # ffmpeg writes a file by name: a private temporary one, renamed when complete.
    tmp = path.with_name(f".{path.name}-partial.mp4")
    writer = imageio_ffmpeg.write_frames(
        str(tmp), even, fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=8, macro_block_size=1
    )
    writer.send(None)
    try:
        for pixels in images():
            padded = np.zeros((even[1], even[0], 3), dtype=np.uint8)
            padded[:height, :width] = pixels
            writer.send(padded.tobytes())
        writer.close()
        os.replace(tmp, path)
    except BaseException:
        writer.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path
