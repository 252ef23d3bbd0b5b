import { Route, Routes } from "react-router";
import { BuildPage } from "./build/build-page";
import { BuildsPage } from "./builds/builds-page";
import { FarmPage } from "./farm/farm-page";
import { SessionGate } from "./session/session-gate";
import { SignInPage } from "./session/sign-in-page";
import { Layout } from "./ui/layout";

/** The dashboard's pages; every page but sign-in needs a session. */
export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route
        element={
          <SessionGate>
            <Layout />
          </SessionGate>
        }
      >
        <Route index element={<BuildsPage />} />
        <Route path="builds/:id" element={<BuildPage />} />
        <Route path="farm" element={<FarmPage />} />
        <Route path="*" element={<p className="text-sm text-zinc-500">No such page.</p>} />
      </Route>
    </Routes>
  );
}
