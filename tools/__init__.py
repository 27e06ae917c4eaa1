"""Developer tools that tests and benchmarks share and the package does not ship: tiny random-model builders
(`tiny_models`), the German news segmentation case table (`segment_cases`) and the HTML script-text
oracle of the property tests (`html_oracle`). Import them from the repository
root (`from tools.tiny_models import build_marian`)."""
