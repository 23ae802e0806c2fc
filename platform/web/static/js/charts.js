// Draws a Chart.js chart from each <table data-chart> on the page. The table stays the
// source of truth and the accessible view: it is folded into a "Table view" disclosure
// under the chart, and the canvas is labelled by the table's caption.
(() => {
  const palette = ["#1f5f8b", "#c75b12", "#2e7d32", "#6a1b9a", "#8d6e63"];

  function readTable(table) {
    const names = [...table.tHead.rows[0].cells].slice(1).map((cell) => cell.textContent.trim());
    const labels = [];
    const columns = names.map(() => []);
    for (const row of table.tBodies[0].rows) {
      labels.push(row.cells[0].textContent.trim());
      [...row.cells].slice(1).forEach((cell, index) => {
        const raw = cell.dataset.value ?? "";
        columns[index].push(raw === "" ? null : Number(raw));
      });
    }
    return { names, labels, columns };
  }

  function draw(table) {
    const figure = table.closest("figure") || table.parentElement;
    const caption = table.caption ? table.caption.textContent.trim() : "Chart";
    const { names, labels, columns } = readTable(table);
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${caption}. The same data is in the table view.`);
    const frame = document.createElement("div");
    frame.className = "chart-canvas";
    frame.appendChild(canvas);
    const details = document.createElement("details");
    details.className = "chart-table";
    const summary = document.createElement("summary");
    summary.textContent = "Table view";
    figure.insertBefore(frame, table);
    figure.insertBefore(details, table);
    details.append(summary, table);
    const kind = table.dataset.chart === "bar" ? "bar" : "line";
    // eslint-disable-next-line no-undef
    new Chart(canvas, {
      type: kind,
      data: {
        labels,
        datasets: names.map((name, index) => ({
          label: name,
          data: columns[index],
          borderColor: palette[index % palette.length],
          backgroundColor: palette[index % palette.length],
          borderDash: index === 0 && kind === "line" ? [6, 4] : [],
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { title: { display: true, text: caption } },
        scales: { y: { title: { display: Boolean(table.dataset.unit), text: table.dataset.unit || "" } } },
      },
    });
    figure.dataset.drawn = "true";
  }

  function drawAll(root) {
    if (typeof Chart === "undefined") {
      return; // the library did not load: the tables remain
    }
    root.querySelectorAll("table[data-chart]").forEach((table) => {
      if (!table.closest("figure")?.dataset.drawn) {
        draw(table);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
})();
