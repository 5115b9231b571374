"""`highlights augment ...`: see what the phone-footage augmentation does to a clip."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("preview")
def preview(
    clip: Path = typer.Argument(..., help="A video clip"),
    out: Path = typer.Option(Path("augment_preview.png"), "--out",
                             help="Where to write the PNG grid; an earlier preview there is "
                                  "replaced, any other file is refused"),
    variants: int = typer.Option(4, "--variants", min=1, max=16, help="Augmented variants to show (columns)"),
    frames: int = typer.Option(4, "--frames", min=1, max=16, help="Frames of the clip to show (rows)"),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampled parameters"),
    shake_jitter_px: int = typer.Option(0, "--shake-jitter-px", min=0, max=32,
                                        help="Per-frame shake, in pixels (0: off)"),
) -> None:
    """Write a PNG grid of a few frames of CLIP (rows) and its augmented variants (columns)."""
    from highlights.cli.named_inputs import refuse_missing_inputs

    refuse_missing_inputs(videos=(clip,))  # before albumentations and torch load
    from highlights.augment import PhoneAugmentConfig
    # matplotlib: only when drawing
    from highlights.augment.preview import is_preview_png, write_preview_grid
    from highlights.cli.own_output_file import refuse_a_file_not_its_own

    refuse_a_file_not_its_own(out, its_own=is_preview_png, kind="a preview `augment preview` wrote")
    path = write_preview_grid(clip, out, variants=variants, frames=frames, seed=seed,
                              config=PhoneAugmentConfig(shake_jitter_px=shake_jitter_px))
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([path]):
        typer.echo(f"wrote {path}")
