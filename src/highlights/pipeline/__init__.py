"""The highlight pipeline: stages by role, their backends, the streaming run, evaluation, ablation.

Entry points (import from the submodules; this package stays import-light):
- `highlights.pipeline.config.PipelineConfig`: a frozen section per stage, dotted overrides.
- `highlights.pipeline.run.run_pipeline(video, config, ...) -> PipelineResult`.
- `highlights.pipeline.detect.detect_highlights(video, config, out_dir, ...)`: highlights.json + outputs.
- `highlights.pipeline.evaluation`: matching, recall/precision, per-stage failure attribution.
- `highlights.pipeline.eval_report.evaluate_video(...)`: pipeline_eval.json and .md, and
  pipeline_eval_timeline.png.
- `highlights.pipeline.ablation.run_ablation(...)`: the one-at-a-time ablation table.
- `highlights.pipeline.roles`: the stage interfaces; `highlights.pipeline.registry.register` and
  one module in `highlights.pipeline.stages` add a backend.
"""
