"""Throughput and peak memory of `depesha enrich` on generated releases (2–4 KB each).

Generates N releases (default 5,000) from sentences written for this benchmark, varied by
countries, people, numbers and order, runs `depesha enrich` as a subprocess the real way
(the console script when the CLI has the subcommand, else ``python -c`` calling
``bot.enrich.run_enrich``), and prints releases/s and the peak resident memory of the
whole process tree (sampled with psutil every 50 ms). Targets: ≥ 100 releases/s, ≤ 400 MB.

Usage: python benchmarks/enrich_speed.py [--count 5000] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # dev extra, no stubs

ROOT = Path(__file__).resolve().parents[1]

COUNTRIES = [
    ("Мексика", "Мексики", "Мексике", "мексиканской", "Мехико"),
    ("Турция", "Турции", "Турции", "турецкой", "Анкаре"),
    ("Германия", "Германии", "Германии", "немецкой", "Берлине"),
    ("Китай", "Китая", "Китае", "китайской", "Пекине"),
    ("Япония", "Японии", "Японии", "японской", "Токио"),
    ("Узбекистан", "Узбекистана", "Узбекистане", "узбекской", "Ташкенте"),
    ("Бразилия", "Бразилии", "Бразилии", "бразильской", "Бразилиа"),
    ("Египет", "Египта", "Египте", "египетской", "Каире"),
    ("Норвегия", "Норвегии", "Норвегии", "норвежской", "Осло"),
    ("Индия", "Индии", "Индии", "индийской", "Нью-Дели"),
]
NAMES = ["А. Сарсенбаев", "Д. Ким", "М. Оспанова", "Е. Жумабеков", "Р. Абенова", "Т. Исмаилов"]
OPENERS = [
    "Посольство Казахстана в {loc} провело встречу с представителями {adj} стороны.",
    "{date} в {cap} состоялись переговоры министров иностранных дел Казахстана и {gen}.",
    "Посол Казахстана {name} вручил верительные грамоты главе государства {gen}.",
    "В {cap} открылся форум деловых кругов Казахстана и {gen}, собравший {num} участников.",
    "Казахстан и {nom} подписали меморандум о сотрудничестве в сфере цифровых технологий.",
]
BODY = [
    (
        "Стороны обсудили расширение торгово-экономического "
        "сотрудничества и новые инвестиционные проекты."
    ),
    (
        "Товарооборот между странами за прошлый год вырос "
        "на {num} процентов и достиг {num} млн долларов."
    ),
    "Особое внимание уделено развитию транспортных коридоров и логистики через Каспийское море.",
    "{name} подчеркнул важность регулярного политического диалога на высшем уровне.",
    (
        "Была отмечена успешная реализация совместных проектов "
        "в области энергетики и возобновляемых источников энергии."
    ),
    (
        "Гости ознакомились с выставкой произведений "
        "казахстанских художников и мастеров прикладного искусства."
    ),
    (
        "В рамках визита делегация посетила ведущие "
        "университеты и обсудила программы академического обмена студентами."
    ),
    (
        "Отдельно рассматривались вопросы консульского обслуживания "
        "граждан и упрощения визового режима."
    ),
    (
        "Участники договорились о проведении совместного "
        "заседания межправительственной комиссии в следующем году."
    ),
    (
        "Представители туристической отрасли презентовали новые "
        "маршруты и предложили запустить прямые авиарейсы."
    ),
    "Министерство здравоохранения предложило обмен опытом в сфере цифровой медицины и вакцинации.",
    (
        "Эксперты обсудили вопросы региональной безопасности "
        "и противодействия терроризму и экстремизму."
    ),
    (
        "По итогам встречи было подписано соглашение о "
        "сотрудничестве в области науки и высшего образования."
    ),
    (
        "Казахстанская сторона проинформировала коллег о ходе "
        "политических и экономических реформ в стране."
    ),
    (
        "{name} пригласил {adj} партнеров принять участие "
        "в международном инвестиционном форуме в Астане."
    ),
    (
        "Стороны также затронули вопросы защиты окружающей среды, "
        "изменения климата и рационального использования водных ресурсов."
    ),
]
MONTHS = ["января", "марта", "мая", "июня", "сентября", "ноября"]


def make_release(index: int, rng: random.Random) -> dict[str, str]:
    nom, gen, loc, adj, cap = rng.choice(COUNTRIES)
    fields = {"nom": nom, "gen": gen, "loc": loc, "adj": adj, "cap": cap}

    def fill(template: str) -> str:
        return template.format(
            name=rng.choice(NAMES),
            num=rng.randint(3, 900),
            date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
            **fields,
        )

    target = rng.randint(2048, 4096)  # bytes of UTF-8 text: "releases of 2–4 KB"
    paragraphs = [
        f"Астана, {rng.randint(1, 28)} {rng.choice(MONTHS)} – " + fill(rng.choice(OPENERS))
    ]
    while len("\n\n".join(paragraphs).encode()) < target:
        paragraphs.append(" ".join(fill(rng.choice(BODY)) for _ in range(rng.randint(1, 3))))
    text = "\n\n".join(paragraphs)
    title = f"Казахстан и {nom} обсудили перспективы сотрудничества"
    return {
        "id": f"bench{index:05d}",
        "title": title,
        "text": text,
        "url": f"https://www.gov.kz/n/{index}",
    }


def _command(input_path: Path, output_path: Path, workers: int | None) -> list[str]:
    script = ROOT / ".venv" / "bin" / "depesha"
    if script.exists() and workers is None:
        probe = subprocess.run([str(script), "enrich", "--help"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [str(script), "enrich", str(input_path), "-o", str(output_path)]
    code = (
        "import sys; from bot.enrich import run_enrich; "
        f"sys.exit(run_enrich({str(input_path)!r}, {str(output_path)!r}, workers={workers!r}))"
    )
    return [sys.executable, "-c", code]


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        for proc in [process, *process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
    except psutil.Error:
        return 0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=None, help="default: the CPU count")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        input_path, output_path = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with input_path.open("w", encoding="utf-8") as handle:
            for index in range(args.count):
                handle.write(json.dumps(make_release(index, rng), ensure_ascii=False) + "\n")
        size = input_path.stat().st_size
        command = _command(input_path, output_path, args.workers)
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
        process = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _tree_rss(process))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stderr = child.stderr.read().decode() if child.stderr else ""
        lines = sum(1 for _ in output_path.open(encoding="utf-8")) if output_path.exists() else 0
    if child.returncode != 0 or lines != args.count:
        print(f"enrich failed (exit {child.returncode}, {lines} lines): {stderr[-500:]}")
        sys.exit(1)
    print(f"command: {' '.join(command[:2])} …")
    print(
        f"releases: {args.count}, input {size / 1e6:.1f} MB, avg {size / args.count / 1024:.1f} KB"
    )
    print(f"elapsed: {elapsed:.1f} s (including start-up)")
    print(f"throughput: {args.count / elapsed:.0f} releases/s")
    print(f"peak memory (process tree RSS): {peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
