// prod2vec's page: search products, build a session, show next items and similar products.
// Every answer of the JSON routes is {"error": "..."} or the data; text is set, never parsed as HTML.
"use strict";

const K = Number(document.body.dataset.k);
const session = []; // [{item, description}], oldest first

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showMessage(id, text) {
  const node = document.getElementById(id);
  node.textContent = text || "";
  node.hidden = !text;
}

async function getJSON(url, options) {
  try {
    const response = await fetch(url, options);
    return await response.json();
  } catch (error) {
    return { error: `the server did not answer (${error.message}): is the app still running?` };
  }
}

function postJSON(url, body) {
  return getJSON(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function productCell(item, description) {
  const cell = element("span", "product");
  cell.append(element("span", "description", description), element("span", "meta", item));
  return cell;
}

// search

let searchTimer = null;
let searchNumber = 0;

async function search(query) {
  const asked = ++searchNumber;
  const answer = await getJSON(`api/search?q=${encodeURIComponent(query)}`);
  if (asked !== searchNumber) return; // a later search has been sent
  const list = document.getElementById("matches");
  list.replaceChildren();
  showMessage("search-message", answer.error);
  const total = document.getElementById("search-total");
  total.hidden = !answer.matches;
  if (!answer.matches) return;
  const shown = answer.matches.length;
  total.textContent =
    answer.total > shown
      ? `${answer.total.toLocaleString()} products match; the ${shown} most bought:`
      : `${answer.total.toLocaleString()} product${answer.total === 1 ? "" : "s"} match:`;
  for (const match of answer.matches) {
    const row = element("li");
    const purchases = `${match.item} · ${match.purchases.toLocaleString()} purchases`;
    const product = productCell(purchases, match.description);
    const add = element("button", "add", "Add");
    add.type = "button";
    add.setAttribute("aria-label", `add ${match.description} to the session`);
    add.addEventListener("click", () => addToSession(match.item, match.description));
    row.append(product, add);
    list.append(row);
  }
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  search(document.getElementById("query").value);
});

document.getElementById("query").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  const query = event.target.value;
  if (!query.trim()) return; // an empty box is only refused when submitted
  searchTimer = setTimeout(() => search(query), 250);
});

// the session

function addToSession(item, description) {
  session.push({ item, description });
  refresh();
}

function renderSession() {
  const list = document.getElementById("session");
  list.replaceChildren();
  session.forEach((product, index) => {
    const chip = element("li", null, product.description);
    chip.append(element("span", "meta", product.item));
    const remove = element("button", null, "×");
    remove.type = "button";
    remove.setAttribute("aria-label", `remove ${product.description}`);
    remove.addEventListener("click", () => {
      session.splice(index, 1);
      refresh();
    });
    chip.append(remove);
    list.append(chip);
  });
  document.getElementById("session-empty").hidden = session.length > 0;
  document.getElementById("clear").hidden = session.length === 0;
  for (const hint of document.querySelectorAll(".waiting")) hint.hidden = session.length > 0;
  const chosen = new Set(session.map((product) => product.item));
  for (const [item, circle] of mapPoints) circle.classList.toggle("chosen", chosen.has(item));
}

document.getElementById("clear").addEventListener("click", () => {
  session.length = 0;
  refresh();
});

// the answers

function renderAnswer(name, answer) {
  const table = document.getElementById(name);
  const body = table.querySelector("tbody");
  body.replaceChildren();
  showMessage(`${name}-message`, answer.error);
  const recommendations = answer.recommendations || [];
  if (answer.recommendations && !recommendations.length) {
    showMessage(`${name}-message`, "the model has no candidate for this session");
  }
  table.hidden = !recommendations.length;
  recommendations.forEach((recommendation, index) => {
    const row = element("tr");
    row.title = "add to the session";
    const product = element("td");
    product.append(productCell(recommendation.item, recommendation.description));
    const score = Number.isInteger(recommendation.score)
      ? recommendation.score.toLocaleString()
      : recommendation.score.toFixed(3);
    row.append(element("td", null, String(index + 1)), product, element("td", "score", score));
    row.addEventListener("click", () =>
      addToSession(recommendation.item, recommendation.description),
    );
    body.append(row);
  });
}

let answerNumber = 0;

async function refresh() {
  renderSession();
  const asked = ++answerNumber;
  if (!session.length) {
    for (const name of ["next", "similar"]) renderAnswer(name, {});
    return;
  }
  const request = { items: session.map((product) => product.item), k: K };
  const [next, similar] = await Promise.all([
    postJSON("api/next", request),
    postJSON("api/similar", request),
  ]);
  if (asked !== answerNumber) return; // the session changed meanwhile
  renderAnswer("next", next);
  renderAnswer("similar", similar);
}

// the map: its points' ids and descriptions, in the order the circles are drawn (an id may hold
// spaces, so it is not read from the tooltip)

const mapPoints = new Map();
const pointData = JSON.parse(document.getElementById("map-points").textContent);
const circles = [...document.querySelectorAll("#map circle")].filter((c) => c.querySelector("title"));
circles.forEach((circle, index) => {
  if (index >= pointData.length) return;
  const [item, description] = pointData[index];
  mapPoints.set(item, circle);
  circle.addEventListener("click", () => addToSession(item, description));
});
